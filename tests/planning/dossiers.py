"""Hand-made dossiers for the indicator and objective tests: each one goes through the real
dossier services under a frozen clock, so its dates, appointment and pauses are the ones the
office would produce."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from procedures.demo import load_demo_catalogue
from procedures.models import Dossier, Procedure, SupplementRequest
from procedures.services import dossier as services
from qms.core.demo import load_demo
from qms.core.models import User
from workflows.demo import clock_at

#: The demo unit → (unit head, specialist).
PEOPLE = {
    "moi-truong": ("truongphong", "chuyenvien"),
    "tai-nguyen-nuoc": ("truongphong.nuoc", "chuyenvien.nuoc"),
    "dat-dai": ("truongphong.datdai", "chuyenvien.datdai"),
}
ENV = "dieu-chinh-giay-phep-moi-truong"  # 10 working days, Phòng Môi trường, no fee
WATER = "cap-lai-giay-phep-tai-nguyen-nuoc"  # 10 working days, Phòng Tài nguyên nước, no fee
LAND_DATA = "cung-cap-thong-tin-du-lieu-dat-dai"  # 5 working days, Phòng Đất đai, one fee
D = services.D


@contextlib.contextmanager
def demo_world(django_db_blocker):
    """The demo department and its catalogue, built once for a test module inside a
    transaction rolled back at its end (each test then runs in a savepoint of it)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = load_demo()
            load_demo_catalogue(agency=world["agency"])
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def user(username: str) -> User:
    return User.objects.get(username=username)


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.7 test", content_type="application/pdf")


def receive(key: str, day: dt.date, *, channel=1, scan=False, hour=8) -> Dossier:
    procedure = Procedure.objects.get(key=key)
    moment = at(day, hour)
    with clock_at(moment):
        version = procedure.versions.get()
        documents = [
            services.DocumentInput(
                component=c, present=True, originals=1, scan=pdf() if scan else None
            )
            for c in version.components.order_by("order")
        ]
        return services.dossier_receive(
            actor=user("motcua"),
            procedure=procedure,
            decision=D.RECEIVED,
            applicant={
                "applicant_name": "Công ty TNHH Thủy sản Mỹ Xuyên",
                "applicant_address": "Xã Hòa Tú 1, huyện Mỹ Xuyên, tỉnh Sóc Trăng",
                "summary": "Hồ sơ kiểm thử chỉ số",
            },
            documents=documents,
            channel=channel,
            at=moment,
        )


def _people(dossier):
    return PEOPLE[dossier.handling_unit.code]


def start_handling(dossier: Dossier, day: dt.date) -> Dossier:
    """Transfer and assign (if not done yet) on ``day``."""
    head, specialist = _people(dossier)
    with clock_at(at(day, 9)):
        if dossier.status == Dossier.Status.RECEIVED:
            services.dossier_transfer(actor=user("motcua"), dossier=dossier)
        if dossier.handler_id is None:
            services.dossier_assign(actor=user(head), dossier=dossier, handler=user(specialist))
    return dossier


def request_supplement(dossier: Dossier, day: dt.date) -> Dossier:
    start_handling(dossier, day)
    with clock_at(at(day, 10)):
        services.dossier_appraise(
            actor=user(_people(dossier)[1]),
            dossier=dossier,
            decision=D.REQUEST_SUPPLEMENT,
            opinion="Thiếu bản vẽ",
            missing=["Bản vẽ mặt bằng"],
        )
    return dossier


def supplement_received(dossier: Dossier, day: dt.date) -> Dossier:
    with clock_at(at(day, 8, 30)):
        services.dossier_supplement_received(
            actor=user("motcua"), dossier=dossier, at=at(day, 8, 30)
        )
    return dossier


def extra_supplement(dossier: Dossier, requested: dt.date, completed: dt.date):
    """A second supplement request during handling, as an import from an older system would
    bring it (the services refuse to make one)."""
    return SupplementRequest.objects.create(
        dossier=dossier,
        stage=SupplementRequest.Stage.HANDLING,
        requested_at=at(requested, 10),
        requested_by=user(_people(dossier)[1]),
        reason="Yêu cầu bổ sung lần hai",
        completed_at=at(completed, 10),
        completed_by=user("motcua"),
    )


def apologise(dossier: Dossier, day: dt.date, new_due: dt.date) -> Dossier:
    with clock_at(at(day, 9)):
        services.dossier_apologise(
            actor=user(_people(dossier)[0]),
            dossier=dossier,
            reason="Chờ ý kiến phối hợp",
            new_due_date=new_due,
            at=at(day, 9),
        )
    dossier.refresh_from_db()
    return dossier


def finish(dossier: Dossier, day: dt.date, *, result_file=False, hour=15) -> Dossier:
    """Appraise, review, approve and issue the result on ``day`` (finished_at at ``hour``)."""
    start_handling(dossier, day)
    head, specialist = _people(dossier)
    with clock_at(at(day, hour)):
        services.dossier_appraise(
            actor=user(specialist), dossier=dossier, decision=D.PROPOSE_GRANT, opinion="Đủ"
        )
        services.dossier_review(actor=user(head), dossier=dossier, decision=D.AGREE)
        services.dossier_decide(actor=user("giamdoc"), dossier=dossier, decision=D.APPROVE)
        services.dossier_issue_result(
            actor=user("vanthu"),
            dossier=dossier,
            number=f"{dossier.pk}/GP-STNMT",
            date=day,
            file=pdf("result.pdf") if result_file else None,
            at=at(day, hour),
        )
    dossier.refresh_from_db()
    return dossier


def give_back(dossier: Dossier, day: dt.date) -> Dossier:
    with clock_at(at(day, 16)):
        services.dossier_return(actor=user("motcua"), dossier=dossier, at=at(day, 16))
    return dossier


def rate(dossier: Dossier, day: dt.date, rating: int) -> Dossier:
    with clock_at(at(day, 16, 30)):
        services.dossier_rate(
            actor=user("motcua"), dossier=dossier, rating=rating, channel="desk", at=at(day, 16, 30)
        )
    return dossier


def pay_fees(dossier: Dossier, day: dt.date, *, channel: str) -> Dossier:
    with clock_at(at(day, 9)):
        for fee in dossier.fees.all():
            services.dossier_fee_pay(
                actor=user("motcua"),
                fee=fee,
                channel=channel,
                receipt_number=f"BL-{fee.pk}",
                at=at(day, 9),
            )
    dossier.refresh_from_db()
    return dossier


def waive_fees(dossier: Dossier, day: dt.date) -> Dossier:
    with clock_at(at(day, 9)):
        for fee in dossier.fees.all():
            services.dossier_fee_waive(actor=user("motcua"), fee=fee, reason="Hộ nghèo")
    dossier.refresh_from_db()
    return dossier


def cancel(dossier: Dossier, day: dt.date) -> Dossier:
    with clock_at(at(day, 9)):
        services.dossier_cancel(actor=user("motcua"), dossier=dossier, reason="Rút hồ sơ")
    return dossier
