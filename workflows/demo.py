"""Demo dossiers in every state, made by the demo users through the real pages (so exactly the
views, services and flow the office uses), for `make run`: each role finds work waiting."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier, Procedure
from procedures.selectors import procedure_version_in_force
from qms.core.models import User

from .flows import DossierFlow
from .handovers import dossier_process

START_URL = "/workflow/flows/dossier/receive/"
REASONS = {
    "incomplete": "Thiếu giấy tờ bắt buộc theo quy định.",
    "refused_at_receipt": "Công trình khai thác nằm ngoài phạm vi cấp phép của tỉnh.",
}

APPLICANTS = [
    ("Công ty TNHH Thủy sản Mỹ Xuyên", 2, "Xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng"),
    ("Nguyễn Văn Bảy", 1, "Phường 5, thành phố Sóc Trăng"),
    ("Hợp tác xã Nông nghiệp Long Phú", 4, "Thị trấn Long Phú, huyện Long Phú, tỉnh Sóc Trăng"),
    ("Công ty CP Xây dựng Trần Đề", 2, "Thị trấn Trần Đề, huyện Trần Đề, tỉnh Sóc Trăng"),
    ("Lâm Thị Sa Rinh", 1, "Phường 2, thị xã Vĩnh Châu, tỉnh Sóc Trăng"),
    ("Công ty TNHH Khai thác cát Cù Lao Dung", 2, "Huyện Cù Lao Dung, tỉnh Sóc Trăng"),
    ("Trạm cấp nước xã Đại Hải", 3, "Xã Đại Hải, huyện Kế Sách, tỉnh Sóc Trăng"),
]


class DemoOffice:
    def __init__(self):
        self.client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=True)

    def as_user(self, username):
        self.client.force_login(User.objects.get(username=username))
        return self

    def receive(self, procedure, applicant, *, decision="received", missing_first=False):
        name, kind, address = applicant
        version = procedure_version_in_force(procedure=procedure, on=timezone.localdate())
        components = list(version.components.order_by("order"))
        data = {
            "applicant_kind": kind,
            "applicant_name": name,
            "applicant_address": address,
            "applicant_phone": "0299 3 822 000",
            "sets": 1,
            "channel": 1,
            "delivery": "desk",
            "summary": procedure.name,
            "decision": decision,
            "reason": REASONS.get(decision, ""),
        }
        for index, component in enumerate(components):
            if not (missing_first and index == 0):
                data[f"doc_{component.pk}_present"] = "on"
                data[f"doc_{component.pk}_originals"] = component.originals
        response = self.client.post(f"{START_URL}?procedure={procedure.pk}", data)
        if response.status_code != 302:
            raise RuntimeError(f"Không tạo được hồ sơ trình diễn ({response.status_code}).")
        return Dossier.objects.latest("id")

    def do(self, dossier, node, data):
        task = Task.objects.get(
            process=dossier_process(dossier),
            flow_task=getattr(DossierFlow, node),
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        )
        base = f"/workflow/flows/dossier/{task.process_id}/{node}/{task.pk}"
        if task.status == STATUS.NEW:
            self.client.post(f"{base}/assign/")
        response = self.client.post(f"{base}/execute/", data)
        if response.status_code != 302:
            raise RuntimeError(f"Bước {node} không hoàn thành ({response.status_code}).")
        dossier.refresh_from_db()
        return self


def _until(office, dossier, stage, *, head, specialist):
    """Walk ``dossier`` forward until it waits at ``stage``."""
    order = [
        "transfer",
        "assign",
        "appraise",
        "review",
        "approve",
        "issue",
        "return_result",
        "done",
    ]
    steps = {
        "transfer": ("motcua", {}),
        "assign": (head, {"handler": User.objects.get(username=specialist).pk}),
        "appraise": (specialist, {"decision": "propose_grant", "opinion": "Hồ sơ đạt yêu cầu."}),
        "review": (head, {"decision": "agree"}),
        "approve": ("giamdoc", {"decision": "approve"}),
        "issue": ("vanthu", {"number": f"{dossier.pk}/GP-STNMT", "date": timezone.localdate()}),
        "return_result": ("motcua", {"note": "Trả tại Bộ phận Một cửa"}),
    }
    for node in order[: order.index(stage)]:
        user, data = steps[node]
        office.as_user(user).do(dossier, node, data)


def load_demo_dossiers() -> int:
    """Create the demo dossiers once; return how many were made (0 when they exist)."""
    if Dossier.objects.exists():
        return 0
    office = DemoOffice().as_user("motcua")
    env = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")
    env_permit = Procedure.objects.get(key="1-010727")
    water = Procedure.objects.get(key="cap-lai-giay-phep-tai-nguyen-nuoc")
    people = {"head": "truongphong", "specialist": "chuyenvien"}
    plan = [
        (env, "transfer", people),
        (env_permit, "assign", people),
        (env, "appraise", people),
        (env_permit, "review", people),
        (env, "approve", people),
        (env, "issue", people),
        (env_permit, "return_result", people),
        (env, "done", people),
        (water, "appraise", {"head": "truongphong.nuoc", "specialist": "chuyenvien.nuoc"}),
    ]
    made = 0
    for index, (procedure, stage, who) in enumerate(plan):
        dossier = office.as_user("motcua").receive(procedure, APPLICANTS[index % len(APPLICANTS)])
        _until(office, dossier, stage, **who)
        made += 1
    # Waiting for the applicant: at the desk, and during appraisal.
    office.as_user("motcua").receive(env, APPLICANTS[1], decision="incomplete", missing_first=True)
    dossier = office.receive(env_permit, APPLICANTS[4])
    _until(office, dossier, "appraise", **people)
    office.as_user("chuyenvien").do(
        dossier,
        "appraise",
        {
            "decision": "request_supplement",
            "opinion": "Cần bổ sung bản vẽ hoàn công.",
            "missing": "Bản vẽ hoàn công hệ thống xử lý nước thải",
        },
    )
    office.as_user("motcua").receive(water, APPLICANTS[5], decision="refused_at_receipt")
    return made + 3
