"""Demo dossiers in every state, made by the demo users through the real pages (so exactly the
views, services and flow the office uses), for `make run`: each role finds work waiting.

Fees are paid at the desk and online, a returned dossier carries the citizen's rating, and one
dossier is late: it is received "weeks ago" under a frozen clock (:func:`clock_at`), gets its
Mẫu 04 apology in time, and is finished today, which raises its nonconformity.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata
from unittest import mock

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier, DossierFee, Procedure
from procedures.selectors import procedure_version_in_force
from procedures.services.dossier import apology_latest_day
from qms.core.calendar import WorkingCalendar
from qms.core.demo import DEMO_PASSWORD
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


class _DatetimeMeta(type):
    # Real datetimes must still pass ``isinstance(value, datetime)`` inside
    # django.utils.timezone while its ``datetime`` is the frozen class below.
    def __instancecheck__(cls, obj):
        return isinstance(obj, dt.datetime)


@contextlib.contextmanager
def clock_at(moment: dt.datetime):
    """Inside the block ``django.utils.timezone.now()`` returns ``moment``, for every caller:
    our services, viewflow's task timestamps, simple-history and field defaults all hold a
    reference to that one function, whose body reads the module's ``datetime``."""

    class FrozenDatetime(dt.datetime, metaclass=_DatetimeMeta):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else timezone.make_naive(moment)

    with mock.patch("django.utils.timezone.datetime", FrozenDatetime):
        yield


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class DemoOffice:
    def __init__(self):
        self.client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=True)

    def as_user(self, username):
        self.client.force_login(User.objects.get(username=username))
        return self

    def receive(self, procedure, applicant, *, decision="received", missing_first=False, channel=1):
        name, kind, address = applicant
        version = procedure_version_in_force(procedure=procedure, on=timezone.localdate())
        components = list(version.components.order_by("order"))
        data = {
            "applicant_kind": kind,
            "applicant_name": name,
            "applicant_address": address,
            "applicant_phone": "0299 3 822 000",
            "sets": 1,
            "channel": channel,
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

    def post(self, dossier, path, data, *, done):
        """POST a desk action of the dossier page; its refusals also redirect, so ``done``
        checks that it took effect."""
        response = self.client.post(f"/workflow/dossiers/{dossier.pk}/{path}", data)
        dossier.refresh_from_db()
        if response.status_code != 302 or not done(dossier):
            raise RuntimeError(f"Thao tác {path} trên hồ sơ {dossier} không thực hiện được.")
        return self

    def pay_fees(self, dossier, *, channel, receipt):
        for fee in dossier.fees.filter(status=DossierFee.Status.DUE):
            self.post(
                dossier,
                f"fees/{fee.pk}/pay/",
                {"channel": channel, "receipt_number": f"{receipt}{fee.pk:06d}"},
                done=lambda d, pk=fee.pk: d.fees.get(pk=pk).status == DossierFee.Status.PAID,
            )
        return self


def _until(office, dossier, stage, *, head, specialist, start="transfer"):
    """Walk ``dossier`` forward from the step ``start`` until it waits at ``stage``."""
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
        "approve": ("giamdoc", {"decision": "approve", "password": DEMO_PASSWORD}),
        "issue": ("vanthu", {"number": f"{dossier.pk}/GP-STNMT", "date": timezone.localdate()}),
        "return_result": ("motcua", {"note": "Trả tại Bộ phận Một cửa"}),
    }
    for node in order[order.index(start) : order.index(stage)]:
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
        if stage == "return_result":
            # The permit fee, paid in cash at the desk before the result is handed over.
            office.as_user("motcua").pay_fees(dossier, channel="desk", receipt="BL-")
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
    _paid_online_and_rated(office)
    _late_with_apology(office)
    _submitted_online()
    return made + 6 + _year_2024(office)


#: Dossiers of 2024 handled from receipt to return, so that the 2024 ISO cycle (objectives,
#: management review, yearly report) has real figures: (procedure key, people, receipt day,
#: working days between steps, rating). The last one takes too long and is finished late.
YEAR_2024 = [
    ("dieu-chinh-giay-phep-moi-truong", "env", dt.date(2024, 3, 4), 1, 3),
    ("1-010727", "env", dt.date(2024, 4, 8), 2, 2),
    ("cap-lai-giay-phep-tai-nguyen-nuoc", "water", dt.date(2024, 5, 13), 1, 3),
    ("cung-cap-thong-tin-du-lieu-dat-dai", "land", dt.date(2024, 6, 17), 0, 2),
    ("dieu-chinh-giay-phep-moi-truong", "env", dt.date(2024, 8, 19), 1, 1),
    ("cap-lai-giay-phep-tai-nguyen-nuoc", "water", dt.date(2024, 10, 7), 2, 3),
    ("dieu-chinh-giay-phep-moi-truong", "env", dt.date(2024, 11, 4), 2, None),
]
PEOPLE = {
    "env": {"head": "truongphong", "specialist": "chuyenvien"},
    "water": {"head": "truongphong.nuoc", "specialist": "chuyenvien.nuoc"},
    "land": {"head": "truongphong.datdai", "specialist": "chuyenvien.datdai"},
}
STEPS = ["transfer", "assign", "appraise", "review", "approve", "issue", "return_result"]


def _year_2024(office) -> int:
    calendar = WorkingCalendar.load()
    for index, (key, people, received, gap, rating) in enumerate(YEAR_2024):
        procedure = Procedure.objects.get(key=key)
        who = PEOPLE[people]
        with clock_at(_moment(received, 8, 0)):
            dossier = office.as_user("motcua").receive(
                procedure, APPLICANTS[index % len(APPLICANTS)], channel=2 if index % 2 else 1
            )
            office.pay_fees(dossier, channel="online" if index % 2 else "desk", receipt="BL-")
        day = received
        for step in STEPS:
            hour = 9
            if step in ("appraise", "approve"):
                day = calendar.add_working_days(day, gap)
            if index == len(YEAR_2024) - 1 and step == "review":
                day = calendar.add_working_days(day, 8)  # waits for a site inspection
            user, data = {
                "transfer": ("motcua", {}),
                "assign": (
                    who["head"],
                    {"handler": User.objects.get(username=who["specialist"]).pk},
                ),
                "appraise": (
                    who["specialist"],
                    {"decision": "propose_grant", "opinion": "Hồ sơ đạt yêu cầu."},
                ),
                "review": (who["head"], {"decision": "agree"}),
                "approve": ("giamdoc", {"decision": "approve", "password": DEMO_PASSWORD}),
                "issue": ("vanthu", {"number": f"{dossier.pk}/GP-STNMT", "date": day}),
                "return_result": ("motcua", {"note": "Trả tại Bộ phận Một cửa"}),
            }[step]
            with clock_at(_moment(day, hour + STEPS.index(step) // 2, 0)):
                office.as_user(user).do(dossier, step, data)
        if rating:
            with clock_at(_moment(day, 16, 0)):
                office.as_user("motcua").post(
                    dossier,
                    "rating/",
                    {"rating": rating, "channel": "desk", "comment": ""},
                    done=lambda d, r=rating: d.rating == r,
                )
    return len(YEAR_2024)


LAND = {"head": "truongphong.datdai", "specialist": "chuyenvien.datdai"}


def _paid_online_and_rated(office):
    """Submitted online, the fee paid through the national payment platform, the result
    returned and rated at the desk."""
    land_data = Procedure.objects.get(key="cung-cap-thong-tin-du-lieu-dat-dai")
    dossier = office.as_user("motcua").receive(land_data, APPLICANTS[3], channel=2)
    office.pay_fees(dossier, channel="online", receipt="DVCQG-")
    _until(office, dossier, "done", **LAND)
    office.as_user("motcua").post(
        dossier,
        "rating/",
        {"rating": 3, "channel": "desk", "comment": "Cán bộ hướng dẫn tận tình, trả sớm."},
        done=lambda d: d.rating == 3,
    )


def _late_with_apology(office):
    """Received 13 working days ago for a 10-working-day procedure: the unit head apologises
    (Mẫu 04) the day before the appointment, the dossier is finished and returned today —
    late against the Mẫu 01 date, so issuing it raises a nonconformity."""
    calendar = WorkingCalendar.load()
    today = timezone.localdate()
    received = calendar.add_working_days(today, -13)
    procedure = Procedure.objects.get(key="dang-ky-bien-dong-doi-ten-to-chuc")
    with clock_at(_moment(received, 8, 30)):
        dossier = office.as_user("motcua").receive(procedure, APPLICANTS[6])
    with clock_at(_moment(received, 8, 45)):
        office.pay_fees(dossier, channel="desk", receipt="BL-")
    with clock_at(_moment(received, 9, 30)):
        office.do(dossier, "transfer", {})
    with clock_at(_moment(received, 14, 0)):
        office.as_user(LAND["head"]).do(
            dossier, "assign", {"handler": User.objects.get(username=LAND["specialist"]).pk}
        )
    with clock_at(_moment(apology_latest_day(dossier), 9, 0)):
        office.as_user(LAND["head"]).post(
            dossier,
            "apology/",
            {
                "reason": (
                    "Chờ Chi nhánh Văn phòng đăng ký đất đai xác minh hồ sơ địa chính của thửa đất."
                ),
                "new_due_date": calendar.add_working_days(today, 2).isoformat(),
            },
            done=lambda d: hasattr(d, "apology"),
        )
    _until(office, dossier, "done", start="appraise", **LAND)


DEMO_PORTAL = "Cổng dịch vụ công tỉnh Sóc Trăng (trình diễn)"
DEMO_PORTAL_REFERENCE = "DVC-DEMO-0001"


def _demo_scan(title: str) -> bytes:
    """A one-page PDF standing in for a scanned document (ASCII text: the base-14 font)."""
    text = title.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 60 780 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return pdf


def _submitted_online():
    """Sent by the public-service portal through the integration API's service (not over
    HTTP): waiting for the one-stop officer to check its files and receive it."""
    from procedures.services.dossier import DocumentInput

    from .api.models import IntegrationClient, Scope
    from .api.services import dossier_submit_online_start, integration_client_create

    procedure = Procedure.objects.get(key="cap-lai-giay-phep-tai-nguyen-nuoc")
    client = IntegrationClient.objects.filter(name=DEMO_PORTAL).first()
    if client is None:
        client = integration_client_create(
            actor=None,
            name=DEMO_PORTAL,
            agency=procedure.agency,
            scopes=Scope.values,
            note="Ứng dụng trình diễn: cấp khóa truy cập tại trang quản trị để thử API.",
        )
    version = procedure_version_in_force(procedure=procedure, on=timezone.localdate())
    documents = [
        DocumentInput(
            component=component,
            present=True,
            scan=ContentFile(_demo_scan(component.name), name="ban-quet.pdf"),
        )
        for component in version.components.order_by("order")
    ]
    name, kind, address = APPLICANTS[2]
    dossier_submit_online_start(
        client=client,
        procedure=procedure,
        applicant={
            "applicant_kind": kind,
            "applicant_name": name,
            "applicant_address": address,
            "applicant_phone": "0299 3 611 222",
            "applicant_email": "htx.longphu@demo.soctrang.invalid",
        },
        documents=documents,
        portal_reference=DEMO_PORTAL_REFERENCE,
        is_demo_data=True,
    )
