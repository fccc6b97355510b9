"""The notification centre: messages to people, shown under the bell in the page header and,
by each person's choice, sent by e-mail.

Any layer tells someone something with :func:`notify`::

    STEP_DUE = notifications.kind("dossier.step_due", gettext_lazy("Bước xử lý sắp đến hạn"))
    notifications.notify(recipients=[user], kind=STEP_DUE, title=…, body=…,
                         url=reverse(…), obj=dossier, key=f"step-due:{task.pk}")

* One :class:`~qms.core.models.Notification` row per recipient (``None``, inactive and repeated
  users are skipped), written inside the caller's transaction.
* ``key`` makes the call idempotent: the database keeps one row per (recipient, key), so a
  beat task run twice, retried or run by two workers at once notifies each person once; the
  second call returns the rows of the first and sends no second e-mail.
* Preferences (:class:`~qms.core.models.NotificationPreference`, one row per person and kind;
  no row = shown, and e-mailed if the kind's ``email_default``):

  - shown + e-mail → an unread row and an e-mail;
  - shown only → an unread row;
  - e-mail only → a row created *already read* (it does not light the bell but stays in the
    list, under "Tất cả", as the record of the e-mail and of its key), and the e-mail;
  - neither → nothing at all (no row: the person asked not to be told).

* E-mail goes after the transaction commits, through the Celery task
  ``qms.core.tasks.send_notification_email`` (idempotent: ``emailed_at``).

Notifications are not business actions: no audit-log event is written for them, nor for
marking them read. Saving one's preferences is a choice worth keeping: it goes through
:func:`notification_preferences_save` (history + one event).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import auditlog
from .history import bulk_writes_allowed
from .models import Notification, NotificationPreference, User

KEY_MAX = 200
URL_MAX = 500


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: object  # a lazy Vietnamese label
    email_default: bool = True


#: Kind code → :class:`NotificationKind`, filled by :func:`kind` where each kind is defined.
KIND_REGISTRY: dict[str, NotificationKind] = {}


def kind(code: str, label, *, email_default: bool = True) -> str:
    """Declare a kind of notification (listed on the preferences page); returns the code."""
    KIND_REGISTRY[code] = NotificationKind(code, label, email_default)
    return code


PREFERENCES_SAVE = auditlog.action(
    "notification.preferences", gettext_lazy("Đổi tùy chọn nhận thông báo")
)

# Kinds of the core layer and of the dossier workflow (used by the upper layers).
AUDIT_CHAIN_BROKEN = kind(
    "audit.chain_broken", gettext_lazy("Cảnh báo nhật ký kiểm tra không toàn vẹn")
)
DOSSIER_STEP_DUE = kind("dossier.step_due", gettext_lazy("Bước xử lý sắp đến hạn"))
DOSSIER_DUE = kind("dossier.due", gettext_lazy("Hồ sơ sắp đến hạn trả kết quả"))
DOSSIER_APOLOGY_DUE = kind("dossier.apology_due", gettext_lazy("Cần gửi phiếu xin lỗi (Mẫu 04)"))
DOSSIER_STEP_OVERDUE = kind(
    "dossier.step_overdue", gettext_lazy("Bước xử lý quá hạn — báo lãnh đạo đơn vị")
)
# The requester usually watches the job's page: the bell is enough unless they ask for mail.
JOB_FINISHED = kind("job.finished", gettext_lazy("Công việc nền đã xong"), email_default=False)
JOB_FAILED = kind("job.failed", gettext_lazy("Công việc nền bị lỗi"), email_default=False)


def key_for(*parts) -> str:
    """A key made of ``parts`` joined by ``:``; too long a key keeps its start and a hash."""
    key = ":".join(str(part) for part in parts)
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: KEY_MAX - len(digest) - 1]}~{digest}"


def is_local_path(url: str) -> bool:
    """A path of this site (``/…``), never another site (``//host``, ``https://…``, ``/\\host``)."""
    return (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def preferences_of(users, code: str) -> dict[int, tuple[bool, bool]]:
    """(in_app, email) of each user for the kind ``code``, defaults filled in: one query."""
    registered = KIND_REGISTRY[code]
    chosen = {
        user_id: (in_app, email)
        for user_id, in_app, email in NotificationPreference.objects.filter(
            user__in=[user.pk for user in users], kind=code
        ).values_list("user_id", "in_app", "email")
    }
    return {user.pk: chosen.get(user.pk, (True, registered.email_default)) for user in users}


def _recipients(recipients) -> list[User]:
    seen, people = set(), []
    for user in recipients or ():
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        people.append(user)
    return people


def _existing(key: str, people: list[User]) -> dict[int, Notification]:
    """The rows already written with ``key`` for these people (committed ones only)."""
    return {n.recipient_id: n for n in Notification.objects.filter(key=key, recipient__in=people)}


def _send_email(notification: Notification):
    from .tasks import send_notification_email

    transaction.on_commit(lambda: send_notification_email.delay(notification.pk))


@transaction.atomic
def notify(
    *,
    recipients,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    obj=None,
    key: str = "",
    actor=None,
) -> list[Notification]:
    """Notify each of ``recipients`` (see the module's documentation); returns their rows,
    new or (same ``key``) existing, in the order of ``recipients``."""
    if kind not in KIND_REGISTRY:
        raise ValueError(f"Unknown notification kind {kind!r}: declare it with kind().")
    if url and (not is_local_path(url) or len(url) > URL_MAX):
        raise ValueError(f"A notification links to a path of this site, not {url!r}.")
    if len(key) > KEY_MAX:
        raise ValueError(f"Notification key longer than {KEY_MAX} characters: use key_for().")
    people = _recipients(recipients)
    if not people:
        return []
    preferences = preferences_of(people, kind)
    existing = _existing(key, people) if key else {}
    reference = {}
    if obj is not None:
        reference = {
            "content_type": ContentType.objects.get_for_model(obj),
            "object_id": str(obj.pk),
            "object_repr": str(obj)[:255],
        }
    actor = actor if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    rows = []
    for person in people:
        if person.pk in existing:
            rows.append(existing[person.pk])
            continue
        in_app, email = preferences[person.pk]
        email = email and bool(person.email)
        if not in_app and not email:
            continue  # the person chose not to be told of this kind
        notification = Notification(
            recipient=person,
            kind=kind,
            title=str(title)[:255],
            body=str(body),
            url=url,
            actor=actor,
            key=key,
            read_at=None if in_app else now,
            **reference,
        )
        try:
            with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's work
                notification.save()
        except IntegrityError:
            if not key:
                raise
            # Written meanwhile by a concurrent call (committed: PostgreSQL waited for it).
            rows.append(Notification.objects.get(recipient=person, key=key))
            continue
        if email:
            _send_email(notification)
        rows.append(notification)
    return rows


def email_text(notification: Notification) -> tuple[str, str]:
    """The subject and the body of a notification's e-mail."""
    subject = _("[ISO điện tử] ") + notification.title
    body = notification.body.rstrip()
    if notification.url:
        link = settings.QMS_SITE_URL.rstrip("/") + notification.url
        body = (body + "\n\n" if body else "") + _("Xem chi tiết: %(link)s") % {"link": link}
    return subject, body + "\n"


def notification_email_send(notification_id: int) -> bool:
    """E-mail one notification (the Celery task's work). The row is locked while the mail
    goes, and a notification already e-mailed is not e-mailed again; a failed send raises
    (the task retries) and leaves ``emailed_at`` empty. Returns whether a mail was sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        person = notification.recipient
        if not person.is_active or not person.email:
            return False
        with translation.override(getattr(person, "language", "") or settings.LANGUAGE_CODE):
            subject, body = email_text(notification)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


# --- Reading ----------------------------------------------------------------------------------


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def context(request) -> dict:
    """Template context processor: the header's unread count for a signed-in user (one
    ``COUNT`` over a partial index); nothing, and no query, for anonymous pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user)}


def notifications_of(user, *, unread_only: bool = False, kind: str = ""):
    """The user's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=user).select_related("actor")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (kept read if it already was)."""
    if notification.recipient_id != actor.pk:
        raise ValidationError(_("Đây không phải thông báo của bạn."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many.

    One ``UPDATE``: notifications keep no history (see :class:`Notification`), so the write
    bypasses nothing that the tracked manager protects; saving row by row would cost a query
    per unread notification."""
    with bulk_writes_allowed():
        return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )


# --- Preferences ------------------------------------------------------------------------------


def preferences_table(user) -> list[tuple[NotificationKind, bool, bool]]:
    """Every registered kind with the user's (in_app, email), defaults filled in."""
    chosen = {
        pref.kind: (pref.in_app, pref.email)
        for pref in NotificationPreference.objects.filter(user=user)
    }
    return [
        (registered, *chosen.get(code, (True, registered.email_default)))
        for code, registered in KIND_REGISTRY.items()
    ]


@transaction.atomic
def notification_preferences_save(*, actor: User, values: dict) -> int:
    """Save the actor's own choices: ``values`` maps kind codes to ``{"in_app": bool,
    "email": bool}`` (a kind left out keeps its choice). An unknown kind refuses the whole
    save. Returns the number of kinds changed; one audit event when something changed."""
    if not getattr(actor, "is_authenticated", False):
        raise ValidationError(_("Phải đăng nhập để lưu tùy chọn nhận thông báo."))
    unknown = sorted(str(code) for code in values if code not in KIND_REGISTRY)
    if unknown:
        raise ValidationError(
            _("Không có loại thông báo “%(kinds)s”.") % {"kinds": ", ".join(unknown)}
        )
    for choice in values.values():
        if (
            not isinstance(choice, dict)
            or set(choice) - {"in_app", "email"}
            or not all(isinstance(value, bool) for value in choice.values())
        ):
            raise ValidationError(_("Tùy chọn nhận thông báo không hợp lệ."))
    rows = {
        pref.kind: pref
        for pref in NotificationPreference.objects.select_for_update().filter(user=actor)
    }
    before, after = {}, {}
    for code, choice in values.items():
        registered = KIND_REGISTRY[code]
        row = rows.get(code)
        current = (row.in_app, row.email) if row else (True, registered.email_default)
        wanted = (choice.get("in_app", current[0]), choice.get("email", current[1]))
        if wanted == current:
            continue
        row = row or NotificationPreference(user=actor, kind=code)
        row.in_app, row.email = wanted
        row.full_clean()
        row.save()
        before[code] = {"in_app": current[0], "email": current[1]}
        after[code] = {"in_app": wanted[0], "email": wanted[1]}
    if after:
        auditlog.record(actor=actor, action=PREFERENCES_SAVE, obj=actor, before=before, after=after)
    return len(after)
