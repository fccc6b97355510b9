"""Demo nonconformities at every stage of their corrective action, made by the demo users
through the real pages (the start form, each step's page), for ``make run``:

- the late demo dossier's nonconformity, raised automatically, waiting for its correction
  (its process is started here if it was recorded before the process existed);
- a complaint received at the one-stop desk, corrected, in root-cause analysis by the
  specialist the unit head named;
- an internal finding with two actions in implementation, one already done;
- one closed and signed by the quality manager;
- one found not effective and reopened for a second analysis round.
"""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from qms.core.calendar import WorkingCalendar
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User
from qms.core.pdf import render_pdf

from .models import Nonconformity
from .selectors import nonconformity_process
from .services import nonconformity_start_process

BASE = "/workflow/flows/capa"

COMPLAINT = "Người dân phản ánh không được trả bản sao Giấy tiếp nhận hồ sơ"
TWO_ACTIONS = "Hồ sơ lưu của Phòng Môi trường thiếu Phiếu kiểm soát quá trình"
CLOSED = "Sổ theo dõi hồ sơ đất đai không ghi ngày trả kết quả"
REOPENED = "Giấy phép khai thác nước dưới đất ban hành sai thời hạn hiệu lực"
DEMO_TITLES = [COMPLAINT, TWO_ACTIONS, CLOSED, REOPENED]


class DemoQualityOffice:
    """The demo users at the corrective-action pages."""

    def __init__(self):
        self.client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=True)
        self._evidence = None

    def as_user(self, username):
        self.client.force_login(User.objects.get(username=username))
        return self

    def raise_nc(self, *, unit, title, description, source="manual", severity="minor", **refs):
        data = {
            "source": source,
            "unit": OrgUnit.objects.get(code=unit).pk,
            "severity": severity,
            "title": title,
            "description": description,
            "complaint_ref": refs.get("complaint_ref", ""),
            "finding_ref": refs.get("finding_ref", ""),
        }
        response = self.client.post(f"{BASE}/raise_by_hand/", data)
        if response.status_code != 302:
            raise RuntimeError(f"Không ghi nhận được sự không phù hợp trình diễn: {title}")
        return Nonconformity.objects.get(title=title)

    def do(self, nonconformity, node, data, *, owner=None):
        tasks = Task.objects.filter(
            process=nonconformity_process(nonconformity), status__in=[STATUS.NEW, STATUS.ASSIGNED]
        )
        task = next(
            t
            for t in tasks.select_related("owner").order_by("pk")
            if t.flow_task.name == node and owner in (None, getattr(t.owner, "username", ""))
        )
        base = f"{BASE}/{task.process_id}/{node}/{task.pk}"
        if task.status == STATUS.NEW:
            self.client.post(f"{base}/assign/")
        response = self.client.post(f"{base}/execute/", data)
        if response.status_code != 302:
            raise RuntimeError(f"Bước {node} của “{nonconformity}” không hoàn thành.")
        nonconformity.refresh_from_db()
        return self

    def evidence(self):
        """A one-page PDF standing for a signed minute (made once)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        if self._evidence is None:
            self._evidence = render_pdf("capa/demo_evidence.html", {"today": timezone.localdate()})
        return SimpleUploadedFile("bien-ban.pdf", self._evidence, content_type="application/pdf")

    # The steps with the demo's words --------------------------------------------------------

    def correct(self, nonconformity, head, correction, analyst=""):
        analyst_pk = User.objects.get(username=analyst).pk if analyst else ""
        return self.as_user(head).do(
            nonconformity, "correct", {"correction": correction, "analyst": analyst_pk}
        )

    def analyse(self, nonconformity, who, whys, root_cause):
        data = {f"why_{n}": answer for n, answer in enumerate(whys, 1)}
        return self.as_user(who).do(nonconformity, "analyse", {**data, "root_cause": root_cause})

    def plan(self, nonconformity, head, actions):
        data = {"actions-TOTAL_FORMS": len(actions), "actions-INITIAL_FORMS": 0}
        for n, (description, unit, owner, due) in enumerate(actions):
            data.update(
                {
                    f"actions-{n}-description": description,
                    f"actions-{n}-owner_unit": OrgUnit.objects.get(code=unit).pk,
                    f"actions-{n}-owner_user": User.objects.get(username=owner).pk,
                    f"actions-{n}-due_date": due.isoformat(),
                }
            )
        return self.as_user(head).do(nonconformity, "plan", data)

    def implement(self, nonconformity, owner, note):
        return self.as_user(owner).do(
            nonconformity, "implement", {"note": note, "evidence": self.evidence()}, owner=owner
        )

    def verify(self, nonconformity, result, evidence, comment=""):
        return self.as_user("thuky").do(
            nonconformity, "verify", {"result": result, "evidence": evidence, "comment": comment}
        )


def _in_working_days(n: int) -> dt.date:
    return WorkingCalendar.load().add_working_days(timezone.localdate(), n)


def load_demo_capa() -> int:
    """Start the process of nonconformities recorded before it existed (the late demo
    dossier's), and create the demo nonconformities once; return how many were made."""
    for legacy in Nonconformity.objects.filter(status=Nonconformity.Status.OPEN):
        nonconformity_start_process(nonconformity=legacy)
    if Nonconformity.objects.filter(title__in=DEMO_TITLES).exists():
        return 0
    office = DemoQualityOffice()
    _complaint_in_analysis(office)
    _two_actions_in_implementation(office)
    _closed_and_signed(office)
    _reopened(office)
    return len(DEMO_TITLES)


def _complaint_in_analysis(office):
    nc = office.as_user("motcua").raise_nc(
        unit="tai-nguyen-nuoc",
        source="complaint",
        complaint_ref="Phản ánh số 15/PA ngày nhận tại Bộ phận Một cửa",
        title=COMPLAINT,
        description=(
            "Ông Trần Văn Tư (xã Đại Hải, huyện Kế Sách) phản ánh tại Bộ phận Một cửa: khi nộp "
            "hồ sơ cấp lại giấy phép tài nguyên nước chỉ được cấp một bản Giấy tiếp nhận hồ sơ "
            "và hẹn trả kết quả, không có bản lưu kèm hồ sơ chuyển phòng."
        ),
    )
    office.correct(
        nc,
        "truongphong.nuoc",
        "Đã in bổ sung Giấy tiếp nhận kèm hồ sơ và liên hệ người dân xác nhận ngày hẹn trả.",
        analyst="chuyenvien.nuoc",
    )


def _two_actions_in_implementation(office):
    nc = office.as_user("truongphong").raise_nc(
        unit="moi-truong",
        severity="major",
        title=TWO_ACTIONS,
        description=(
            "Kiểm tra hồ sơ lưu quý II: 4/12 hồ sơ điều chỉnh giấy phép môi trường không có "
            "Phiếu kiểm soát quá trình giải quyết hồ sơ kèm theo."
        ),
    )
    office.correct(nc, "truongphong", "Đã in và bổ sung Phiếu kiểm soát cho 4 hồ sơ lưu.")
    office.analyse(
        nc,
        "truongphong",
        [
            "Vì hồ sơ giấy được lưu trước khi in phiếu kiểm soát.",
            "Vì phiếu kiểm soát chỉ in được khi hồ sơ đã trả kết quả.",
            "Vì chưa quy định ai in phiếu và in vào lúc nào.",
        ],
        "Quy trình lưu hồ sơ chưa quy định bước in và đính kèm Phiếu kiểm soát.",
    )
    office.plan(
        nc,
        "truongphong",
        [
            (
                "Bổ sung bước in, đính kèm Phiếu kiểm soát vào hướng dẫn lưu hồ sơ của phòng.",
                "moi-truong",
                "chuyenvien",
                _in_working_days(5),
            ),
            (
                "Bộ phận Một cửa in Phiếu kiểm soát khi trả kết quả và chuyển bản lưu về phòng.",
                "mot-cua",
                "motcua",
                _in_working_days(10),
            ),
        ],
    )
    office.implement(nc, "chuyenvien", "Đã sửa hướng dẫn lưu hồ sơ, trưởng phòng đã ký ban hành.")


def _closed_and_signed(office):
    nc = office.as_user("thuky").raise_nc(
        unit="dat-dai",
        title=CLOSED,
        description=(
            "Kiểm tra Sổ theo dõi hồ sơ tháng 5: 6 hồ sơ đăng ký biến động đã trả kết quả "
            "nhưng không ghi ngày trả."
        ),
    )
    office.correct(nc, "truongphong.datdai", "Đã đối chiếu biên nhận và ghi bổ sung ngày trả.")
    office.analyse(
        nc,
        "truongphong.datdai",
        [
            "Vì ngày trả được ghi tay sau khi trả hồ sơ.",
            "Vì sổ giấy không gắn với phần mềm một cửa.",
        ],
        "Sổ theo dõi được ghi tay tách khỏi hệ thống, không tự lấy ngày trả kết quả.",
    )
    office.plan(
        nc,
        "truongphong.datdai",
        [
            (
                "Dùng Sổ theo dõi hồ sơ (Mẫu 06) xuất từ hệ thống thay sổ ghi tay.",
                "dat-dai",
                "chuyenvien.datdai",
                _in_working_days(3),
            )
        ],
    )
    office.implement(nc, "chuyenvien.datdai", "Đã chuyển sang sổ xuất từ hệ thống từ tháng 6.")
    office.verify(nc, "effective", "Kiểm tra sổ tháng 6: 100% hồ sơ đã trả có ngày trả.")
    office.as_user("thuky").do(nc, "close", {"password": DEMO_PASSWORD})


def _reopened(office):
    nc = office.as_user("thuky").raise_nc(
        unit="tai-nguyen-nuoc",
        severity="major",
        title=REOPENED,
        description=(
            "Giấy phép khai thác nước dưới đất cấp cho Trạm cấp nước xã Đại Hải ghi thời hạn "
            "10 năm, vượt thời hạn tối đa theo quy định."
        ),
    )
    office.correct(nc, "truongphong.nuoc", "Đã thu hồi, ban hành lại giấy phép đúng thời hạn.")
    office.analyse(
        nc,
        "truongphong.nuoc",
        ["Vì chuyên viên dùng mẫu giấy phép cũ.", "Vì mẫu cũ chưa được thu hồi khỏi máy."],
        "Mẫu giấy phép hết hiệu lực chưa được thu hồi.",
    )
    office.plan(
        nc,
        "truongphong.nuoc",
        [
            (
                "Xóa mẫu giấy phép cũ khỏi máy của chuyên viên.",
                "tai-nguyen-nuoc",
                "chuyenvien.nuoc",
                _in_working_days(2),
            )
        ],
    )
    office.implement(nc, "chuyenvien.nuoc", "Đã xóa mẫu cũ trên máy của phòng.")
    office.verify(
        nc,
        "not_effective",
        "Kiểm tra 5 giấy phép ban hành sau đó: 1 giấy phép vẫn dùng mẫu cũ.",
        comment="Mẫu cũ còn lưu trong thư mục dùng chung của Sở: nguyên nhân chưa đúng.",
    )
