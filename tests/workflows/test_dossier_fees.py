"""Fee lines of a dossier (phí, lệ phí), whether they were paid online, and the citizen's rating.

A rating is recorded once, after the result was returned, and never replaced: it is the
citizen's word, and a second one is refused with a message.
"""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from audits.models import Nonconformity
from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, DossierFee, DossierOpinion, Procedure
from procedures.services import dossier as services
from qms.core import auditlog
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import User
from tests.workflows.test_dossier_flow import Office

pytestmark = pytest.mark.django_db
D = DossierOpinion.Decision
F = DossierFee.Status


@pytest.fixture
def catalogue(demo):
    load_demo_catalogue(agency=demo["agency"])


@pytest.fixture
def permit(catalogue):
    """Cấp giấy phép môi trường: one fee, 6.000.000 đồng."""
    return Procedure.objects.get(key="1-010727")


@pytest.fixture
def mining(catalogue):
    """Cấp giấy phép khai thác khoáng sản: a fee and a charge."""
    return Procedure.objects.get(key="cap-phep-khai-thac-khoang-san-vlxd")


def _user(username):
    return User.objects.get(username=username)


def _receive(procedure, **kwargs):
    version = procedure.versions.get()
    documents = [
        services.DocumentInput(component=c, present=True, originals=1)
        for c in version.components.all()
    ]
    return services.dossier_receive(
        actor=_user("motcua"),
        procedure=procedure,
        decision=kwargs.pop("decision", D.RECEIVED),
        applicant={
            "applicant_name": "Công ty CP Khoáng sản Sóc Trăng",
            "applicant_address": "Phường 2, thành phố Sóc Trăng",
            "summary": procedure.name,
        },
        documents=documents,
        **kwargs,
    )


def _returned(procedure):
    """A dossier taken through every step by the services, up to the returned result."""
    dossier = _receive(procedure)
    head, specialist = _user("truongphong"), _user("chuyenvien")
    services.dossier_transfer(actor=_user("motcua"), dossier=dossier)
    services.dossier_assign(actor=head, dossier=dossier, handler=specialist)
    services.dossier_appraise(
        actor=specialist, dossier=dossier, decision=D.PROPOSE_GRANT, opinion="Đạt"
    )
    services.dossier_review(actor=head, dossier=dossier, decision=D.AGREE)
    services.dossier_decide(actor=_user("giamdoc"), dossier=dossier, decision=D.APPROVE)
    services.dossier_issue_result(
        actor=_user("vanthu"), dossier=dossier, number="9/GP", date=timezone.localdate()
    )
    return dossier


def _state(dossier):
    """Everything a refused action must leave as it was."""
    dossier.refresh_from_db()
    return (
        dossier.status,
        dossier.paid_online,
        dossier.rating,
        list(dossier.fees.values_list("status", "amount", "paid_channel", "receipt_number")),
        dossier.opinions.count(),
        DossierFee.history.filter(dossier_id=dossier.pk).count(),
    )


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# Fee lines at receipt --------------------------------------------------------------------------


def test_receipt_through_the_desk_copies_the_versions_fee_items(client, permit):
    dossier = Office(client).as_user("motcua").receive(permit)
    item = permit.versions.get().fees.get()
    line = dossier.fees.get()
    assert (line.fee_item, line.kind, line.name) == (item, "fee", item.name)
    assert line.amount == line.listed_amount == Decimal("6000000")
    assert line.basis == item.note
    assert line.status == F.DUE and line.paid_at is None
    assert dossier.paid_online is False
    page = client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    assert "Phí, lệ phí" in page and "6.000.000" in page
    assert f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/pay/" in page


def test_no_fee_lines_before_the_dossier_is_complete(mining):
    version = mining.versions.get()
    first, *rest = version.components.all()
    dossier = services.dossier_receive(
        actor=_user("motcua"),
        procedure=mining,
        decision=D.INCOMPLETE,
        applicant={"applicant_name": "A", "applicant_address": "B", "summary": "C"},
        documents=[services.DocumentInput(component=c, present=True) for c in rest],
    )
    assert not dossier.fees.exists()
    services.dossier_complete_at_desk(
        actor=_user("motcua"),
        dossier=dossier,
        documents=[services.DocumentInput(component=first, present=True)],
    )
    assert list(dossier.fees.order_by("id").values_list("kind", "amount")) == [
        ("fee", Decimal("10000000")),
        ("charge", Decimal("1000000")),
    ]


def test_refused_at_receipt_owes_nothing(permit):
    dossier = _receive(permit, decision=D.REFUSED_AT_RECEIPT, reason="Không thuộc thẩm quyền")
    assert not dossier.fees.exists()


# Paying, waiving, adjusting ---------------------------------------------------------------------


def test_payment_at_the_desk_is_recorded_once(client, permit):
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    url = f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/pay/"
    response = client.post(url, {"channel": "desk", "receipt_number": "BL-0000123"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/workflow/dossiers/{dossier.pk}/#phi-le-phi")
    line.refresh_from_db()
    assert (line.status, line.paid_channel, line.receipt_number) == (F.PAID, "desk", "BL-0000123")
    assert line.recorded_by.username == "motcua" and line.paid_at is not None
    dossier.refresh_from_db()
    assert dossier.paid_online is False  # paid, but not online
    opinion = dossier.opinions.get(decision=D.FEE_PAID)
    assert "BL-0000123" in opinion.comment and opinion.unit.code == "mot-cua"
    (event,) = auditlog.events_for(line)
    assert (event.action, event.actor.username) == ("dossier_fee.pay", "motcua")
    assert event.before["status"] == "due" and event.after["receipt_number"] == "BL-0000123"

    before = _state(dossier)
    again = client.post(url, {"channel": "online", "receipt_number": "DVCQG-1"})
    assert again.status_code == 302
    assert any("không thu lần thứ hai" in m for m in _messages(again))
    assert _state(dossier) == before
    assert len(auditlog.events_for(line)) == 1
    with pytest.raises(ValidationError, match="không thu lần thứ hai"):
        services.dossier_fee_pay(
            actor=_user("motcua"), fee=line, channel="desk", receipt_number="BL-2"
        )


def test_bad_payment_input_changes_nothing(client, permit):
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    url = f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/pay/"
    before = _state(dossier)
    response = client.post(url, {"channel": "desk", "receipt_number": "  "})
    assert response.status_code == 302
    assert _messages(response)  # the form's error, in Vietnamese
    response = client.post(url, {"channel": "cash-in-hand", "receipt_number": "BL-1"})
    assert any("Hình thức nộp" in m for m in _messages(response))
    assert _state(dossier) == before
    # Only POST: a GET is not an action.
    assert client.get(url).status_code == 405


def test_paid_online_when_every_payable_line_was_paid_online(mining):
    dossier = _receive(mining)
    fee, charge = dossier.fees.order_by("id")
    officer = _user("motcua")
    services.dossier_fee_pay(actor=officer, fee=fee, channel="online", receipt_number="DVCQG-77")
    dossier.refresh_from_db()
    assert dossier.paid_online is False  # the charge is still due
    services.dossier_fee_pay(
        actor=officer, fee=charge, channel="bank_transfer", receipt_number="UNC-12"
    )
    dossier.refresh_from_db()
    assert dossier.paid_online is False  # one line by bank transfer

    other = _receive(mining)
    fee, charge = other.fees.order_by("id")
    services.dossier_fee_pay(actor=officer, fee=fee, channel="online", receipt_number="DVCQG-78")
    services.dossier_fee_waive(
        actor=officer, fee=charge, reason="Miễn theo Nghị quyết của HĐND tỉnh"
    )
    other.refresh_from_db()
    assert other.paid_online is True  # a waived line has nothing to pay
    assert [o.decision for o in other.opinions.order_by("id")][-2:] == [D.FEE_PAID, D.FEE_WAIVED]


def test_waiver_needs_a_reason_and_a_waived_line_is_not_paid(client, permit):
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    url = f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/waive/"
    before = _state(dossier)
    with pytest.raises(ValidationError, match="lý do"):
        services.dossier_fee_waive(actor=_user("motcua"), fee=line, reason="   ")
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302 and _messages(response)
    assert _state(dossier) == before
    client.post(url, {"reason": "Đối tượng được miễn theo quy định"})
    line.refresh_from_db()
    assert (line.status, line.waiver_reason) == (F.WAIVED, "Đối tượng được miễn theo quy định")
    with pytest.raises(ValidationError, match="đã được miễn"):
        services.dossier_fee_pay(
            actor=_user("motcua"), fee=line, channel="desk", receipt_number="BL-1"
        )


def test_amount_depending_on_the_case_is_adjusted_with_a_reason_before_payment(client, permit):
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    url = f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/adjust/"
    before = _state(dossier)
    client.post(url, {"amount": 4500000, "reason": ""})
    client.post(url, {"amount": -1, "reason": "x"})
    assert _state(dossier) == before
    client.post(url, {"amount": 4500000, "reason": "Cơ sở thuộc nhóm II theo quy mô"})
    line.refresh_from_db()
    assert (line.amount, line.listed_amount) == (Decimal("4500000"), Decimal("6000000"))
    assert line.adjustment_reason == "Cơ sở thuộc nhóm II theo quy mô"
    assert "4.500.000 đồng" in dossier.opinions.get(decision=D.FEE_ADJUSTED).comment
    services.dossier_fee_pay(actor=_user("motcua"), fee=line, channel="desk", receipt_number="1")
    with pytest.raises(ValidationError, match="không thu lần thứ hai"):
        services.dossier_fee_adjust(actor=_user("motcua"), fee=line, amount=1, reason="x")


def test_no_payment_on_a_cancelled_or_refused_dossier(permit):
    cancelled = _receive(permit)
    services.dossier_cancel(actor=_user("motcua"), dossier=cancelled, reason="Công dân rút")
    refused = _receive(permit)
    services.dossier_transfer(actor=_user("motcua"), dossier=refused)
    services.dossier_decide(
        actor=_user("giamdoc"), dossier=refused, decision=D.REFUSE, comment="Không đủ điều kiện"
    )
    for dossier in (cancelled, refused):
        line = dossier.fees.get()
        with pytest.raises(ValidationError, match="không thu, miễn hay điều chỉnh"):
            services.dossier_fee_pay(
                actor=_user("motcua"), fee=line, channel="desk", receipt_number="BL-1"
            )
        with pytest.raises(ValidationError, match="không thu, miễn hay điều chỉnh"):
            services.dossier_fee_waive(actor=_user("motcua"), fee=line, reason="x")
        line.refresh_from_db()
        assert line.status == F.DUE


# Rating -----------------------------------------------------------------------------------------


def test_rating_only_after_the_result_was_returned_and_only_once(client, permit):
    dossier = _returned(permit)  # issued, not yet returned
    Office(client).as_user("motcua")
    url = f"/workflow/dossiers/{dossier.pk}/rating/"
    assert (
        "Ghi nhận đánh giá" not in client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    )
    before = _state(dossier)
    response = client.post(url, {"rating": 3, "channel": "desk"})
    assert any("sau khi đã trả kết quả" in m for m in _messages(response))
    assert _state(dossier) == before

    services.dossier_return(actor=_user("motcua"), dossier=dossier)
    page = client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    assert "Đánh giá của người dân" in page and "Ghi nhận đánh giá" in page
    response = client.post(url, {"rating": 1, "channel": "desk", "comment": "Phải đi lại nhiều"})
    assert response["Location"].endswith("#danh-gia")
    dossier.refresh_from_db()
    assert (dossier.rating, dossier.rating_channel, dossier.rating_comment) == (
        Dossier.Rating.DISSATISFIED,
        "desk",
        "Phải đi lại nhiều",
    )
    assert dossier.rated_at is not None
    assert dossier.opinions.get(decision=D.RATED).comment == "Không hài lòng. Phải đi lại nhiều"

    before = _state(dossier)
    response = client.post(url, {"rating": 3, "channel": "online"})
    assert any("chỉ ghi nhận một lần" in m for m in _messages(response))
    assert _state(dossier) == before
    page = client.get(f"/workflow/dossiers/{dossier.pk}/").content.decode()
    assert "Không hài lòng" in page and 'name="rating"' not in page


def test_rating_outside_the_scale_is_refused(permit):
    dossier = _returned(permit)
    services.dossier_return(actor=_user("motcua"), dossier=dossier)
    with pytest.raises(ValidationError, match="Mức đánh giá"):
        services.dossier_rate(actor=_user("motcua"), dossier=dossier, rating=5, channel="desk")
    dossier.refresh_from_db()
    assert dossier.rating is None


# Who may act -----------------------------------------------------------------------------------


@pytest.fixture
def other_desk_officer(demo):
    """A one-stop officer, but of another unit than the dossier's desk."""
    from qms.core.models import OrgUnit
    from qms.core.services import membership_grant, user_create

    user = user_create(actor=None, username="motcua.nuoc", password=DEMO_PASSWORD)
    unit = OrgUnit.objects.get(code="tai-nguyen-nuoc")
    membership_grant(actor=None, user=user, unit=unit, role="one_stop_officer")
    return user


@pytest.mark.parametrize("username", ["motcua.nuoc", "chuyenvien.nuoc"])
def test_another_units_member_gets_404_and_nothing_changes(
    client, permit, other_desk_officer, username
):
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    before = _state(dossier)
    office.as_user(username)
    base = f"/workflow/dossiers/{dossier.pk}"
    payment = {"channel": "desk", "receipt_number": "1"}
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/fees/{line.pk}/pay/", payment).status_code == 404
    assert client.post(f"{base}/fees/{line.pk}/waive/", {"reason": "x"}).status_code == 404
    assert client.post(f"{base}/rating/", {"rating": 3, "channel": "desk"}).status_code == 404
    assert _state(dossier) == before


def test_a_line_is_reached_only_through_its_own_dossier(client, permit):
    office = Office(client).as_user("motcua")
    dossier, other = office.receive(permit), office.receive(permit)
    line = dossier.fees.get()
    before = _state(dossier)
    response = client.post(
        f"/workflow/dossiers/{other.pk}/fees/{line.pk}/pay/",
        {"channel": "desk", "receipt_number": "1"},
    )
    assert response.status_code == 404
    assert _state(dossier) == before


@pytest.mark.parametrize("username", ["danhgia", "chuyenvien", "giamdoc"])
def test_only_the_desks_officers_record_fees_and_ratings(client, permit, username):
    """The internal auditor (and a specialist, the director) see the dossier but are refused."""
    office = Office(client).as_user("motcua")
    dossier = office.receive(permit)
    line = dossier.fees.get()
    before = _state(dossier)
    office.as_user(username)
    base = f"/workflow/dossiers/{dossier.pk}"
    page = client.get(f"{base}/")
    assert page.status_code == 200
    assert "Phí, lệ phí" in page.content.decode()
    assert f"{base}/fees/{line.pk}/pay/" not in page.content.decode()
    responses = [
        client.post(f"{base}/fees/{line.pk}/pay/", {"channel": "desk", "receipt_number": "1"}),
        client.post(f"{base}/fees/{line.pk}/waive/", {"reason": "Miễn"}),
        client.post(f"{base}/fees/{line.pk}/adjust/", {"amount": 1, "reason": "x"}),
        client.post(f"{base}/rating/", {"rating": 3, "channel": "desk"}),
    ]
    assert [r.status_code for r in responses] == [403] * 4
    assert _state(dossier) == before


def test_actions_require_the_csrf_token(permit):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    Office(client).as_user("motcua")
    dossier = _receive(permit)
    line = dossier.fees.get()
    response = client.post(
        f"/workflow/dossiers/{dossier.pk}/fees/{line.pk}/pay/",
        {"channel": "desk", "receipt_number": "1"},
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.status == F.DUE


# The demo ---------------------------------------------------------------------------------------


def test_demo_has_fees_paid_both_ways_a_rating_and_a_late_dossier_with_apology():
    call_command("load_demo", verbosity=0)
    assert Dossier.objects.filter(paid_online=True).exists()
    assert DossierFee.objects.filter(status=F.PAID, paid_channel="desk").exists()
    assert Dossier.objects.filter(status="returned", rating__isnull=False).exists()

    late = Dossier.objects.get(apology__isnull=False, finished_at__isnull=False)
    assert late.is_late
    assert late.finished_at > late.legal_due_at
    assert late.apology.is_timely  # issued at the latest one working day before the date
    assert late.apology.previous_due_at == late.original_due_at
    nonconformity = Nonconformity.objects.get(dossier=late)
    assert nonconformity.unit == late.handling_unit
    assert "trễ hạn" in nonconformity.title
    # The backdated receipt went through the real desk: code of that day, history in order.
    assert late.code.endswith(f"-{timezone.localtime(late.received_at):%y%m%d}-0001")
    times = list(late.opinions.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times) and times[0] == late.received_at
    assert auditlog.verify().intact  # the frozen clock left the audit chain whole
