"""The dossier workflow driven through the real pages by the demo users, as in the office."""

import pytest
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audits.models import Nonconformity
from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, Procedure
from qms.core.demo import DEMO_PASSWORD
from workflows.flows import DossierFlow
from workflows.handovers import dossier_handovers, dossier_process

pytestmark = pytest.mark.django_db
START_URL = "/workflow/flows/dossier/receive/"


@pytest.fixture
def catalogue(demo):
    load_demo_catalogue(agency=demo["agency"])
    return Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")


class Office:
    """Drives the pages as a given user: receive, take a task from the queue, complete it."""

    def __init__(self, client):
        self.client = client

    def as_user(self, username):
        self.client.logout()
        assert self.client.login(username=username, password=DEMO_PASSWORD)
        return self

    def receive(self, procedure, decision="received", missing=(), reason=""):
        page = self.client.get(START_URL, {"procedure": procedure.pk})
        assert page.status_code == 200
        form = page.context["form"]
        data = {
            "applicant_kind": 2,
            "applicant_name": "Công ty TNHH Thủy sản Mỹ Xuyên",
            "applicant_address": "Ấp Hòa Phước, xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng",
            "applicant_phone": "0299 3822 111",
            "summary": "Điều chỉnh giấy phép môi trường của nhà máy chế biến thủy sản",
            "sets": 1,
            "channel": 1,
            "delivery": "desk",
            "decision": decision,
            "reason": reason,
        }
        for component in form.components:
            if component.name not in missing:
                data[f"doc_{component.pk}_present"] = "on"
                data[f"doc_{component.pk}_originals"] = 1
        response = self.client.post(f"{START_URL}?procedure={procedure.pk}", data)
        assert response.status_code == 302, response.context["form"].errors
        return Dossier.objects.latest("id")

    def open_task(self, dossier, node):
        process = dossier_process(dossier)
        task = Task.objects.get(
            process=process, flow_task=getattr(DossierFlow, node), status__in=["NEW", "ASSIGNED"]
        )
        return task

    def do(self, dossier, node, data, *, expect=302):
        task = self.open_task(dossier, node)
        base = f"/workflow/flows/dossier/{task.process_id}/{node}/{task.pk}"
        if task.status == STATUS.NEW:
            assert self.client.post(f"{base}/assign/").status_code == 302
        response = self.client.post(f"{base}/execute/", data)
        assert response.status_code == expect, getattr(response, "context", None) and (
            response.context["form"].errors
        )
        dossier.refresh_from_db()
        return response


def test_dossier_from_receipt_to_returned_result_with_supplement_and_send_back(client, catalogue):
    office = Office(client)
    dossier = office.as_user("motcua").receive(catalogue)
    assert dossier.status == Dossier.Status.RECEIVED
    assert dossier.code.startswith("000.00.xx.H51-") and dossier.code.endswith("-0001")
    assert dossier.due_at is not None

    office.do(dossier, "transfer", {"note": ""})
    assert dossier.status == Dossier.Status.IN_PROGRESS
    office.as_user("truongphong").do(dossier, "assign", {"handler": _user("chuyenvien").pk})
    # The appraisal lands directly in the specialist's inbox.
    office.as_user("chuyenvien")
    assert client.get("/workflow/inbox/").context["object_list"].count() == 1
    office.do(
        dossier,
        "appraise",
        {"decision": "request_supplement", "opinion": "Thiếu bản vẽ", "missing": "Bản vẽ mặt bằng"},
    )
    assert dossier.status == Dossier.Status.SUPPLEMENT
    office.as_user("motcua").do(dossier, "supplement", {"note": "Đã nhận bản vẽ"})
    assert dossier.status == Dossier.Status.IN_PROGRESS
    assert dossier.supplements.get(stage="handling").completed_at is not None

    # A second supplement request is refused: the form no longer offers it.
    office.as_user("chuyenvien")
    response = office.do(
        dossier,
        "appraise",
        {"decision": "request_supplement", "opinion": "Lần hai", "missing": "x"},
        expect=200,
    )
    assert "decision" in response.context["form"].errors
    office.do(dossier, "appraise", {"decision": "propose_grant", "opinion": "Đủ điều kiện"})
    office.as_user("truongphong").do(
        dossier, "review", {"decision": "send_back", "comment": "Bổ sung căn cứ pháp lý"}
    )
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đã bổ sung căn cứ"}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree", "comment": ""})
    office.as_user("giamdoc").do(
        dossier, "approve", {"decision": "approve", "comment": "", "password": DEMO_PASSWORD}
    )
    assert dossier.status == Dossier.Status.APPROVED
    office.as_user("vanthu").do(
        dossier,
        "issue",
        {"number": "125/GP-STNMT", "date": timezone.localdate(dossier.received_at)},
    )
    assert dossier.status == Dossier.Status.ISSUED and dossier.finished_at
    office.as_user("motcua").do(dossier, "return_result", {"note": "Trả trực tiếp"})
    assert dossier.status == Dossier.Status.RETURNED
    assert dossier.national_status == 10
    process = dossier_process(dossier)
    assert process.status == "DONE"
    assert (
        not Task.objects.filter(process=process, flow_task_type="HUMAN")
        .exclude(status="DONE")
        .exists()
    )
    # Mẫu 05: every hand-over from the real task history, desk first and last.
    handovers = dossier_handovers(dossier)
    assert handovers[0].giver_unit.code == "mot-cua"
    assert handovers[-1].receiver_unit.code == "mot-cua"
    assert not Nonconformity.objects.exists()  # finished on time


def test_refusal_at_receipt_ends_the_process(client, catalogue):
    office = Office(client).as_user("motcua")
    dossier = office.receive(
        catalogue, decision="refused_at_receipt", reason="Không thuộc thẩm quyền"
    )
    assert dossier.status == Dossier.Status.REFUSED_AT_RECEIPT
    assert dossier.code is None and dossier.national_status == 3
    assert dossier_process(dossier).status == "DONE"


def test_incomplete_dossier_waits_without_clock_then_is_received(client, catalogue):
    office = Office(client).as_user("motcua")
    first = catalogue.versions.get().components.order_by("order").first()
    dossier = office.receive(catalogue, decision="incomplete", missing=[first.name])
    assert dossier.status == Dossier.Status.INCOMPLETE and dossier.due_at is None
    assert dossier.supplements.get().missing == [first.name]
    office.do(
        dossier,
        "complete_at_desk",
        {"action": "complete", f"doc_{first.pk}_present": "on", f"doc_{first.pk}_originals": 1},
    )
    assert dossier.status == Dossier.Status.RECEIVED and dossier.due_at is not None
    assert office.open_task(dossier, "transfer")


def test_receipt_claiming_complete_with_missing_documents_changes_nothing(client, catalogue):
    Office(client).as_user("motcua")
    first = catalogue.versions.get().components.order_by("order").first()
    before = (Dossier.objects.count(), Task.objects.count())
    page = client.get(START_URL, {"procedure": catalogue.pk})
    data = {
        "applicant_name": "A",
        "applicant_address": "B",
        "summary": "C",
        "sets": 1,
        "channel": 1,
        "delivery": "desk",
        "decision": "received",
        "applicant_kind": 1,
    }
    for component in page.context["form"].components:
        if component.pk != first.pk:
            data[f"doc_{component.pk}_present"] = "on"
    response = client.post(f"{START_URL}?procedure={catalogue.pk}", data)
    assert response.status_code == 200
    assert "còn thiếu" in response.content.decode()
    assert (Dossier.objects.count(), Task.objects.count()) == before


def test_member_of_another_unit_never_sees_the_dossier(client, catalogue):
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    office.do(dossier, "transfer", {})
    office.as_user("chuyenvien.nuoc")
    assert client.get(f"/workflow/dossiers/{dossier.pk}/").status_code == 404
    assert client.get("/workflow/queue/").context["object_list"].count() == 0
    office.as_user("truongphong")
    assert client.get(f"/workflow/dossiers/{dossier.pk}/").status_code == 200
    assert client.get("/workflow/queue/").context["object_list"].count() == 1
    office.as_user("truongphong.nuoc")
    task = office.open_task(dossier, "assign")
    url = f"/workflow/flows/dossier/{task.process_id}/assign/{task.pk}/assign/"
    assert client.post(url).status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner is None


def _user(username):
    from qms.core.models import User

    return User.objects.get(username=username)


def test_late_dossier_gets_one_apology_and_raises_a_nonconformity(client, catalogue):
    import datetime as dt

    from procedures.services.dossier import dossier_apologise

    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    office.do(dossier, "transfer", {})
    office.as_user("truongphong").do(dossier, "assign", {"handler": _user("chuyenvien").pk})
    # The appointment has passed (as if the dossier had been received weeks ago).
    past = timezone.now() - dt.timedelta(days=30)
    dossier.due_at = dossier.original_due_at = past
    dossier.save(update_fields=["due_at", "original_due_at"])
    new_day = timezone.localdate() + dt.timedelta(days=7)
    while new_day.weekday() >= 5:
        new_day += dt.timedelta(days=1)
    response = client.post(
        f"/workflow/dossiers/{dossier.pk}/apology/",
        {"reason": "Chờ ý kiến phối hợp", "new_due_date": new_day.isoformat()},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert timezone.localtime(dossier.apology.new_due_at).date() == new_day
    # Issued after the appointment had passed: kept, but flagged as late.
    assert not dossier.apology.is_timely
    assert "lập muộn" in client.get(response["Location"]).content.decode()
    with pytest.raises(Exception, match="một lần"):
        dossier_apologise(
            actor=_user("truongphong"),
            dossier=dossier,
            reason="x",
            new_due_date=new_day + dt.timedelta(days=7),
        )
    office.as_user("chuyenvien").do(
        dossier, "appraise", {"decision": "propose_grant", "opinion": "Đạt"}
    )
    office.as_user("truongphong").do(dossier, "review", {"decision": "agree"})
    office.as_user("giamdoc").do(
        dossier, "approve", {"decision": "approve", "password": DEMO_PASSWORD}
    )
    office.as_user("vanthu").do(dossier, "issue", {"number": "7/GP", "date": timezone.localdate()})
    assert dossier.is_late  # the apology's new date does not make it on time
    nonconformity = Nonconformity.objects.get(dossier=dossier)
    assert nonconformity.unit.code == "moi-truong"
    assert "trễ hạn" in nonconformity.title
    page = client.get(f"/workflow/dossiers/{dossier.pk}/")
    assert "Trễ hạn" in page.content.decode()
    pdf = client.get(f"/workflow/dossiers/{dossier.pk}/forms/apology.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_stock_flow_pages_are_scoped_to_visible_dossiers(client, catalogue):
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    pages = [
        "/workflow/flows/dossier/",
        "/workflow/flows/dossier/flows/",
        "/workflow/flows/dossier/tasks/",
    ]
    office.as_user("chuyenvien.nuoc")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert dossier.code not in response.content.decode(), url
    process = dossier_process(dossier)
    assert client.get(f"/workflow/flows/dossier/{process.pk}/").status_code in (403, 404)
    office.as_user("truongphong")
    assert client.get(f"/workflow/flows/dossier/{process.pk}/").status_code == 200
    # The same pages do list it for a member of the handling unit (the check above can fail).
    assert dossier.code in client.get("/workflow/flows/dossier/flows/").content.decode()


def test_a_step_submitted_twice_changes_nothing_the_second_time(client, catalogue):
    from procedures.models import DossierOpinion

    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    task = office.open_task(dossier, "transfer")
    office.do(dossier, "transfer", {})
    opinions = DossierOpinion.objects.count()
    tasks = Task.objects.count()
    url = f"/workflow/flows/dossier/{task.process_id}/transfer/{task.pk}/execute/"
    response = client.post(url, {})
    assert response.status_code in (302, 403, 404)
    assert (DossierOpinion.objects.count(), Task.objects.count()) == (opinions, tasks)
    dossier.refresh_from_db()
    assert dossier.status == Dossier.Status.IN_PROGRESS


def test_another_user_cannot_complete_a_task_taken_by_a_colleague(client, catalogue):
    office = Office(client).as_user("motcua")
    dossier = office.receive(catalogue)
    office.do(dossier, "transfer", {})
    office.as_user("truongphong")
    task = office.open_task(dossier, "assign")
    base = f"/workflow/flows/dossier/{task.process_id}/assign/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 302
    office.as_user("giamdoc")  # sees everything, but the task is the unit head's
    response = client.post(f"{base}/execute/", {"handler": _user("chuyenvien").pk})
    assert response.status_code in (403, 404)
    dossier.refresh_from_db()
    assert dossier.handler is None
