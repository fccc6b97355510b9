"""The notification centre: notify (rows per person, idempotent keys, preferences, e-mail after
commit), the e-mail task (idempotent), the pages (own notifications only, open, mark read,
preferences) and the bell in the header of every page (one query)."""

from __future__ import annotations

import threading
import time
from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from qms.core import notifications
from qms.core.history import UntrackedWriteError
from qms.core.models import AuditEvent, Notification, NotificationPreference, User
from qms.core.notifications import notify
from qms.core.services import user_create
from qms.core.tasks import send_notification_email

pytestmark = pytest.mark.django_db

KIND = notifications.DOSSIER_STEP_DUE  # e-mailed by default
QUIET = notifications.JOB_FINISHED  # not e-mailed by default


def make_user(username, email=True, active=True):
    user = user_create(
        actor=None,
        username=username,
        password=None,
        last_name=username.title(),
        email=f"{username}@example.invalid" if email else "",
    )
    if not active:
        user.is_active = False
        user.save()
    return user


@pytest.fixture
def people(db):
    return {
        "an": make_user("an"),
        "binh": make_user("binh"),
        "chi": make_user("chi", email=False),
        "dung": make_user("dung", active=False),
    }


def send(django_capture_on_commit_callbacks, **kwargs):
    """notify(...) and run what waits for the commit (the e-mail tasks, eager in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        return notify(**{"kind": KIND, "title": "Bước sắp đến hạn", **kwargs})


def unread_queries(queries):
    return [q["sql"] for q in queries.captured_queries if '"core_notification"' in q["sql"]]


# --- notify -------------------------------------------------------------------------------------


def test_one_row_per_person_skipping_nobody_inactive_and_repeats(
    people, django_capture_on_commit_callbacks
):
    an, binh, chi, dung = people["an"], people["binh"], people["chi"], people["dung"]
    rows = send(
        django_capture_on_commit_callbacks,
        recipients=[an, None, dung, binh, an, chi],
        title="x" * 300,
        body="Hồ sơ 000.00.01.H51-240101-0001 còn 1 ngày làm việc.",
        url="/workflow/inbox/",
        obj=chi,
        actor=binh,
    )
    assert [row.recipient for row in rows] == [an, binh, chi]
    assert Notification.objects.count() == 3
    row = Notification.objects.get(recipient=an)
    assert (row.kind, row.title, row.url, row.actor, row.read_at) == (
        KIND,
        "x" * 255,
        "/workflow/inbox/",
        binh,
        None,
    )
    reference = (row.content_type.model, row.object_id, row.object_repr)
    assert reference == ("user", str(chi.pk), str(chi))
    # E-mail to those with an address, one message each, after the commit.
    assert sorted(m.to for m in mail.outbox) == [[an.email], [binh.email]]
    message = next(m for m in mail.outbox if m.to == [an.email])
    assert message.subject == "[ISO điện tử] " + "x" * 255
    assert "còn 1 ngày làm việc" in message.body
    assert "http://127.0.0.1:8000/workflow/inbox/" in message.body
    assert Notification.objects.get(recipient=chi).emailed_at is None
    # Not a business action: no audit event.
    assert not AuditEvent.objects.filter(action__startswith="notification").exists()


def test_nothing_to_do_without_recipients(people, django_capture_on_commit_callbacks):
    assert send(django_capture_on_commit_callbacks, recipients=[None, people["dung"]]) == []
    assert send(django_capture_on_commit_callbacks, recipients=None) == []
    assert not Notification.objects.exists() and mail.outbox == []


def test_the_same_key_notifies_each_person_once(people, django_capture_on_commit_callbacks):
    an, binh = people["an"], people["binh"]
    first = send(django_capture_on_commit_callbacks, recipients=[an], key="step-due:7")
    again = send(django_capture_on_commit_callbacks, recipients=[an, binh], key="step-due:7")
    assert again[0].pk == first[0].pk
    assert Notification.objects.filter(key="step-due:7").count() == 2
    assert sorted(m.to for m in mail.outbox) == [[an.email], [binh.email]]
    # Another key (or none) is another notification.
    send(django_capture_on_commit_callbacks, recipients=[an], key="step-due:8")
    send(django_capture_on_commit_callbacks, recipients=[an])
    send(django_capture_on_commit_callbacks, recipients=[an])
    assert Notification.objects.filter(recipient=an).count() == 4


def test_a_key_written_meanwhile_is_taken_inside_the_callers_transaction(
    people, django_capture_on_commit_callbacks
):
    """The race: the row appears between the lookup and the insert. The insert fails in its
    savepoint and the caller's transaction goes on (PostgreSQL would refuse every later
    statement without the savepoint)."""
    an = people["an"]
    with transaction.atomic():
        (first,) = send(django_capture_on_commit_callbacks, recipients=[an], key="due:1")
        # As if the first call had not committed when the second looked.
        with mock.patch.object(notifications, "_existing", return_value={}):
            (second,) = send(django_capture_on_commit_callbacks, recipients=[an], key="due:1")
        assert second.pk == first.pk
        assert User.objects.filter(pk=an.pk).exists()  # the transaction is still usable
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_unknown_kinds_outside_links_and_long_keys_are_refused(people):
    with pytest.raises(ValueError, match="kind"):
        notify(recipients=[people["an"]], kind="khong.co", title="x")
    for url in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        with pytest.raises(ValueError, match="path"):
            notify(recipients=[people["an"]], kind=KIND, title="x", url=url)
    with pytest.raises(ValueError, match="key"):
        notify(recipients=[people["an"]], kind=KIND, title="x", key="k" * 201)
    assert not Notification.objects.exists()
    long_key = notifications.key_for("risk-review-due", "2024-01-01", *range(1000))
    assert len(long_key) == notifications.KEY_MAX and long_key.startswith("risk-review-due:")
    assert long_key != notifications.key_for("risk-review-due", "2024-01-01", *range(1001))


def test_kinds_are_registered_with_vietnamese_labels():
    for code in (
        "dossier.step_due",
        "dossier.due",
        "dossier.apology_due",
        "dossier.step_overdue",
        "job.finished",
        "job.failed",
        "audit.chain_broken",
    ):
        registered = notifications.KIND_REGISTRY[code]
        assert registered.code == code and str(registered.label)
    assert str(notifications.KIND_REGISTRY["dossier.apology_due"].label) == (
        "Cần gửi phiếu xin lỗi (Mẫu 04)"
    )
    assert notifications.kind("test.kind", "Thử", email_default=False) == "test.kind"
    assert notifications.KIND_REGISTRY.pop("test.kind").email_default is False


# --- preferences --------------------------------------------------------------------------------


def prefer(user, kind, in_app, email):
    notifications.notification_preferences_save(
        actor=user, values={kind: {"in_app": in_app, "email": email}}
    )


def test_preferences_decide_the_row_and_the_mail(people, django_capture_on_commit_callbacks):
    an = people["an"]
    # E-mail off: the row, no mail.
    prefer(an, KIND, True, False)
    (row,) = send(django_capture_on_commit_callbacks, recipients=[an], key="a")
    assert row.read_at is None and mail.outbox == []
    # In the page off, e-mail on: the mail, and a row already read (it does not light the bell).
    prefer(an, KIND, False, True)
    (row,) = send(django_capture_on_commit_callbacks, recipients=[an], key="b")
    assert row.read_at is not None and [m.to for m in mail.outbox] == [[an.email]]
    assert notifications.unread_count(an) == 1
    # Both off: nothing at all.
    prefer(an, KIND, False, False)
    assert send(django_capture_on_commit_callbacks, recipients=[an], key="c") == []
    assert Notification.objects.count() == 2 and len(mail.outbox) == 1
    # A kind not e-mailed by default: in the page only, unless asked for.
    send(django_capture_on_commit_callbacks, recipients=[an], kind=QUIET)
    assert len(mail.outbox) == 1
    prefer(an, QUIET, True, True)
    send(django_capture_on_commit_callbacks, recipients=[an], kind=QUIET)
    assert len(mail.outbox) == 2
    # Another person keeps the defaults.
    send(django_capture_on_commit_callbacks, recipients=[people["binh"]], key="c")
    assert mail.outbox[-1].to == [people["binh"].email]


def test_saving_preferences_keeps_history_and_one_event(people):
    an = people["an"]
    changed = notifications.notification_preferences_save(
        actor=an,
        values={KIND: {"in_app": True, "email": False}, QUIET: {"in_app": True, "email": False}},
    )
    assert changed == 1  # QUIET already had those values (its defaults)
    pref = NotificationPreference.objects.get(user=an)
    assert (pref.kind, pref.in_app, pref.email) == (KIND, True, False)
    assert pref.history.count() == 1
    event = AuditEvent.objects.get(action="notification.preferences")
    assert event.before == {KIND: {"in_app": True, "email": True}}
    assert event.after == {KIND: {"in_app": True, "email": False}}
    # The same again: nothing changes, no event.
    assert (
        notifications.notification_preferences_save(
            actor=an, values={KIND: {"in_app": True, "email": False}}
        )
        == 0
    )
    assert AuditEvent.objects.filter(action="notification.preferences").count() == 1


@pytest.mark.parametrize(
    "values",
    [
        {"khong.co": {"in_app": True, "email": True}},
        {KIND: {"in_app": False, "email": False}, "khong.co": {"in_app": True}},
        {KIND: {"in_app": "false"}},
        {KIND: {"push": True}},
        {KIND: True},
    ],
)
def test_bad_preferences_change_nothing(people, values):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        notifications.notification_preferences_save(actor=people["an"], values=values)
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification.preferences").exists()


# --- the e-mail task ----------------------------------------------------------------------------


def test_the_email_task_sends_once(people):
    an = people["an"]
    with override_settings(QMS_SITE_URL="https://iso.stnmt.soctrang.gov.vn/"):
        (row,) = notify(recipients=[an], kind=KIND, title="Hạn", body="Nội dung", url="/x/")
        send_notification_email.delay(row.pk)
        send_notification_email.delay(row.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body == "Nội dung\n\nXem chi tiết: https://iso.stnmt.soctrang.gov.vn/x/\n"
    row.refresh_from_db()
    assert row.emailed_at is not None
    # Gone, or to someone without an address / no longer active: nothing, no error.
    assert notifications.notification_email_send(999_999) is False
    (quiet,) = notify(recipients=[people["chi"]], kind=KIND, title="Hạn")
    assert notifications.notification_email_send(quiet.pk) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_later_and_leaves_no_mark(people):
    (row,) = notify(recipients=[people["an"]], kind=KIND, title="Hạn")
    failing = mock.patch("qms.core.notifications.send_mail", side_effect=SMTPException("down"))
    with failing, pytest.raises(SMTPException):
        notifications.notification_email_send(row.pk)
    row.refresh_from_db()
    assert row.emailed_at is None
    task = send_notification_email
    assert task.acks_late and task.max_retries == 5 and task.retry_backoff
    assert set(task.autoretry_for) == {SMTPException, ConnectionError, OSError}
    assert notifications.notification_email_send(row.pk) is True and len(mail.outbox) == 1


# --- reading and marking --------------------------------------------------------------------------


def test_marking_all_read_is_one_write_allowed_here_only(people):
    an = people["an"]
    for number in range(3):
        notify(recipients=[an, people["binh"]], kind=KIND, title=f"Việc {number}")
    with CaptureQueriesContext(connection) as queries:
        assert notifications.notifications_mark_all_read(actor=an) == 3
    assert len(unread_queries(queries)) == 1
    assert notifications.unread_count(an) == 0 and notifications.unread_count(people["binh"]) == 3
    with pytest.raises(UntrackedWriteError):
        Notification.objects.filter(recipient=people["binh"]).update(read_at=None)


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def inbox(people):
    """Three notifications for An (one read), one for Bình."""
    an, binh = people["an"], people["binh"]
    rows = [
        notify(recipients=[an], kind=KIND, title=f"Bước {n} sắp đến hạn", url=f"/workflow/{n}/")[0]
        for n in range(2)
    ]
    rows.append(notify(recipients=[an], kind=QUIET, title="Báo cáo đã xong")[0])
    notifications.notification_mark_read(actor=an, notification=rows[0])
    other = notify(recipients=[binh], kind=KIND, title="Việc của Bình", url="/workflow/9/")[0]
    return {"an": rows, "other": other}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_bell_shows_the_unread_count_on_every_page_with_one_query(people, inbox):
    client = signed_in(people["an"])
    client.get("/organisation/")  # warm the session and the caches
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/organisation/")
    assert page.status_code == 200 and page.context["notifications_unread"] == 2
    html = page.content.decode()
    assert 'href="/notifications/"' in html and 'class="qms-bell__badge"' in html
    assert ">2</span>" in html
    (count,) = unread_queries(queries)
    assert "COUNT(*)" in count
    # Another app's page has it too; with nothing unread the bell has no badge.
    notifications.notifications_mark_all_read(actor=people["an"])
    html = client.get("/organisation/calendar/").content.decode()
    assert 'href="/notifications/"' in html and "qms-bell__badge" not in html


def test_anonymous_pages_have_no_bell_and_no_query(people, inbox):
    with CaptureQueriesContext(connection) as queries:
        page = Client().get("/accounts/login/")
    assert page.status_code == 200
    assert unread_queries(queries) == []
    assert "qms-bell" not in page.content.decode()
    request = mock.Mock(user=mock.Mock(is_authenticated=False))
    assert notifications.context(request) == {}


def test_the_list_shows_ones_own_newest_first_and_filters(people, inbox):
    client = signed_in(people["an"])
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert [n.pk for n in page.context["page_obj"]] == [n.pk for n in reversed(inbox["an"])]
    html = page.content.decode()
    assert "Việc của Bình" not in html
    assert html.count('class="qms-notice--unread"') == 2
    unread = client.get("/notifications/?show=unread").context["page_obj"]
    assert [n.pk for n in unread] == [inbox["an"][2].pk, inbox["an"][1].pk]
    quiet = client.get(f"/notifications/?kind={QUIET}").context["page_obj"]
    assert [n.pk for n in quiet] == [inbox["an"][2].pk]
    # A kind that does not exist: the message, and the list unfiltered.
    bad = client.get("/notifications/?kind=khong.co")
    assert bad.status_code == 200 and bad.context["form"].errors
    assert len(bad.context["page_obj"]) == 3


def test_the_list_is_paginated_by_25(people):
    an = people["an"]
    for number in range(27):
        notify(recipients=[an], kind=KIND, title=f"Thông báo {number}")
    client = signed_in(an)
    first = client.get("/notifications/").context["page_obj"]
    second = client.get("/notifications/?page=2").context["page_obj"]
    assert len(first) == 25 and len(second) == 2
    assert first[0].title == "Thông báo 26" and second[1].title == "Thông báo 0"


def test_opening_marks_read_and_goes_to_the_page(people, inbox):
    client = signed_in(people["an"])
    unread = inbox["an"][1]
    response = client.get(f"/notifications/{unread.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/workflow/1/"
    unread.refresh_from_db()
    assert unread.read_at is not None
    # Without a link: to the list.
    response = client.get(f"/notifications/{inbox['an'][2].pk}/open/")
    assert response["Location"] == "/notifications/"


def test_a_link_outside_the_site_is_never_followed(people):
    an = people["an"]
    for url in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        # Written around notify(), which refuses such links, as a tampered row would be.
        row = Notification(recipient=an, kind=KIND, title="x", url=url)
        row.save()
        response = signed_in(an).get(f"/notifications/{row.pk}/open/")
        assert response.status_code == 302 and response["Location"] == "/notifications/"
    response = signed_in(an).post(
        f"/notifications/{row.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


def test_anothers_notification_is_not_found_and_stays_unread(people, inbox):
    client = signed_in(people["an"])
    other = inbox["other"]
    assert client.get(f"/notifications/{other.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    assert Client().get(f"/notifications/{other.pk}/open/").status_code == 302  # to the login
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_one_and_all_read_by_post_with_csrf(people, inbox):
    an = people["an"]
    client = signed_in(an)
    target = inbox["an"][1]
    assert client.get(f"/notifications/{target.pk}/read/").status_code == 405
    assert client.get("/notifications/read-all/").status_code == 405
    response = client.post(f"/notifications/{target.pk}/read/", {"next": "/notifications/?page=1"})
    assert response["Location"] == "/notifications/?page=1"
    target.refresh_from_db()
    assert target.read_at is not None
    assert notifications.unread_count(an) == 1
    # Without the CSRF token: refused, nothing changes.
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(an)
    assert guarded.post("/notifications/read-all/").status_code == 403
    assert notifications.unread_count(an) == 1
    assert client.post("/notifications/read-all/").status_code == 302
    assert notifications.unread_count(an) == 0
    assert Notification.objects.get(pk=inbox["other"].pk).read_at is None


def test_the_preferences_page_saves_through_the_service(people):
    an = people["an"]
    client = signed_in(an)
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    html = page.content.decode()
    for code, registered in notifications.KIND_REGISTRY.items():
        assert f'name="in_app:{code}"' in html and str(registered.label) in html
    # Every kind listed; e-mail off for the step reminders, everything else as it was.
    data = {"kind": list(notifications.KIND_REGISTRY)}
    for code, registered in notifications.KIND_REGISTRY.items():
        data[f"in_app:{code}"] = "on"
        if registered.email_default and code != KIND:
            data[f"email:{code}"] = "on"
    response = client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    assert list(NotificationPreference.objects.values_list("kind", "in_app", "email")) == [
        (KIND, True, False)
    ]
    assert AuditEvent.objects.filter(action="notification.preferences").count() == 1


def test_the_preferences_page_refuses_an_unknown_kind_and_changes_nothing(people):
    client = signed_in(people["an"])
    response = client.post(
        "/notifications/preferences/",
        {"kind": [KIND, "khong.co"], f"in_app:{KIND}": "on", "email:khac.nua": "on"},
    )
    assert response.status_code == 400
    assert "Không có loại thông báo “khac.nua, khong.co”." in response.content.decode()
    assert not NotificationPreference.objects.exists()
    assert not AuditEvent.objects.filter(action="notification.preferences").exists()


# --- PostgreSQL: two workers at once --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_key_notify_once():
    """The second worker's insert waits on the unique index for the first to commit, then
    takes the first's row: one notification, one e-mail."""
    if connection.vendor != "postgresql":
        pytest.skip("Kiểm thử đồng thời chạy trên PostgreSQL (DATABASE_URL).")
    an = make_user("an")
    inserted = threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = notify(recipients=[an], kind=KIND, title="Hạn", key="k:1")
                inserted.set()
                time.sleep(0.5)  # the second worker is waiting on the index meanwhile
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            results["first"] = error
        finally:
            inserted.set()
            connection.close()

    def second():
        try:
            inserted.wait(10)
            started = time.monotonic()
            results["second"] = notify(recipients=[an], kind=KIND, title="Hạn", key="k:1")
            results["waited"] = time.monotonic() - started
        except Exception as error:  # noqa: BLE001
            results["second"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [row.pk for row in results["first"]] == [row.pk for row in results["second"]]
    assert results["waited"] > 0.3  # it did wait for the first worker's commit
    assert Notification.objects.filter(key="k:1").count() == 1
    assert [m.to for m in mail.outbox] == [[an.email]]


def test_the_admin_lists_notifications_read_only_and_edits_preferences(people, inbox):
    admin = user_create(actor=None, username="quantri", password=None, is_superuser=True)
    client = signed_in(admin)
    listing = client.get("/admin/core/notification/?q=binh")
    assert listing.status_code == 200
    assert [n.pk for n in listing.context["cl"].result_list] == [inbox["other"].pk]
    assert client.get("/admin/core/notification/add/").status_code == 403
    form = client.get("/admin/core/notificationpreference/add/")
    assert form.status_code == 200
    assert f'<option value="{KIND}">' in form.content.decode()
    response = client.post(
        "/admin/core/notificationpreference/add/",
        {"user": people["an"].pk, "kind": KIND, "in_app": "on"},
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get()
    assert (pref.user, pref.kind, pref.in_app, pref.email) == (people["an"], KIND, True, False)
    assert AuditEvent.objects.filter(action="admin.add").count() == 1
