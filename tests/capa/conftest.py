import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audits.models import Nonconformity
from audits.selectors import nonconformity_process
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User
from workflows.capa_flow import CapaFlow

START_URL = "/workflow/flows/capa/raise_by_hand/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def user(username):
    return User.objects.get(username=username)


def unit(code):
    return OrgUnit.objects.get(code=code)


class Office:
    """Drives the corrective-action pages as the demo users do."""

    def __init__(self, client):
        self.client = client

    def as_user(self, username):
        self.client.logout()
        assert self.client.login(username=username, password=DEMO_PASSWORD), username
        self.username = username
        return self

    def raise_nc(self, *, expect=302, **fields):
        data = {
            "source": "manual",
            "unit": unit("moi-truong").pk,
            "severity": "minor",
            "title": "Phiếu kiểm soát hồ sơ lưu thiếu chữ ký bàn giao",
            "description": "Kiểm tra 10 hồ sơ lưu quý I: 3 hồ sơ thiếu chữ ký người nhận.",
            "complaint_ref": "",
            "finding_ref": "",
            **fields,
        }
        response = self.client.post(START_URL, data)
        assert response.status_code == expect, _errors(response)
        return Nonconformity.objects.order_by("-pk").first() if expect == 302 else response

    def tasks(self, nonconformity, node):
        """The open tasks of ``node`` in the nonconformity's process."""
        return open_tasks(nonconformity).filter(flow_task=getattr(CapaFlow, node))

    def task_url(self, task):
        return f"/workflow/flows/capa/{task.process_id}/{task.flow_task.name}/{task.pk}"

    def take(self, nonconformity, node):
        """The user's open task of ``node`` (one of theirs, or from the queue), taken."""
        task = (
            self.tasks(nonconformity, node)
            .filter(Q(owner__username=self.username) | Q(owner__isnull=True))
            .get()
        )
        if task.status == STATUS.NEW:
            assert self.client.post(f"{self.task_url(task)}/assign/").status_code == 302
            task.refresh_from_db()
        return task

    def do(self, nonconformity, node, data, *, task=None, expect=302):
        task = task or self.take(nonconformity, node)
        response = self.client.post(f"{self.task_url(task)}/execute/", data)
        assert response.status_code == expect, _errors(response)
        nonconformity.refresh_from_db()
        return response


def evidence(name="bien-ban.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


def plan_data(*actions):
    """The plan form's POST data: (description, unit code, username, due date) per line, and
    an empty line left over."""
    data = {"actions-TOTAL_FORMS": len(actions) + 1, "actions-INITIAL_FORMS": 0}
    for n, (description, unit_code, username, due) in enumerate(actions):
        data.update(
            {
                f"actions-{n}-description": description,
                f"actions-{n}-owner_unit": unit(unit_code).pk,
                f"actions-{n}-owner_user": user(username).pk,
                f"actions-{n}-due_date": due.isoformat(),
            }
        )
    return data


TWO_ACTIONS = (
    ("Sửa hướng dẫn lưu hồ sơ của phòng", "moi-truong", "chuyenvien", in_days(10)),
    ("In phiếu kiểm soát khi trả kết quả", "mot-cua", "motcua", in_days(14)),
)


def open_tasks(nonconformity):
    return Task.objects.filter(
        process=nonconformity_process(nonconformity),
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
    )


def _errors(response):
    context = getattr(response, "context", None)
    if not context or "form" not in context:
        return response.status_code
    form = context["form"]
    return getattr(form, "errors", None), getattr(form, "non_form_errors", lambda: None)()


@pytest.fixture
def office(client, demo):
    return Office(client)


@pytest.fixture
def planning(office):
    """A nonconformity of Phòng Môi trường raised at the desk, corrected and analysed."""
    nc = office.as_user("motcua").raise_nc()
    office.as_user("truongphong").do(nc, "correct", {"correction": "Đã bổ sung chữ ký"})
    office.do(
        nc,
        "analyse",
        {"why_1": "Bàn giao vội", "why_2": "Không có bước ký", "root_cause": "Thiếu bước"},
    )
    return nc


@pytest.fixture
def implementing(office, planning):
    """… with two actions planned, one for Phòng Môi trường and one for the one-stop desk."""
    office.as_user("truongphong").do(planning, "plan", plan_data(*TWO_ACTIONS))
    return planning


def complete_actions(office, nonconformity):
    for task in list(office.tasks(nonconformity, "implement").select_related("owner")):
        office.as_user(task.owner.username).do(
            nonconformity, "implement", {"note": "Đã làm", "evidence": evidence()}, task=task
        )


@pytest.fixture
def verifying(office, implementing):
    complete_actions(office, implementing)
    return implementing
