"""The one-stop forms (Mẫu 01–05) as printed: the PDF's own text, filled from a real dossier."""

import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
from django.utils import timezone

from procedures.models import (
    DossierComponent,
    FormTemplate,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
)
from procedures.printing import (
    VIETNAM_TZ,
    render_dossier_form,
    signature_title,
    vn_date,
    vn_datetime,
)
from procedures.services import dossier as services
from procedures.services.dossier import DocumentInput
from qms.core.calendar import LimitUnit
from qms.core.models import Role, User

pytestmark = pytest.mark.django_db

K = ProcessStep.Kind
FORM_KINDS = FormTemplate.Kind


def at(year, month, day, hour=8, minute=30) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute), VIETNAM_TZ)


def pdf_pages(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def user(username) -> User:
    return User.objects.get(username=username)


def build_procedure(demo, *, unit_code, key, name, code="", limit=(30, LimitUnit.CALENDAR_DAYS)):
    """A procedure with one version, three components and the eight internal steps."""
    units = demo["units"]
    handling = units[unit_code]
    field = ProcedureField.objects.create(
        code=unit_code, name=handling.name, handling_unit=handling
    )
    procedure = Procedure.objects.create(
        code=code,
        key=key,
        name=name,
        field=field,
        level=Procedure.Level.PROVINCE,
        agency=demo["agency"],
        is_demo_data=True,
    )
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        version=1,
        valid_from=dt.date(2024, 1, 1),
        legal_basis="Dữ liệu trình diễn",
        online_level=ProcedureVersion.OnlineLevel.PARTIAL,
        time_limit_value=limit[0],
        time_limit_unit=limit[1],
        result_name="Giấy phép",
        handling_unit=handling,
    )
    for order, (component, mandatory) in enumerate(
        [
            ("Văn bản đề nghị cấp giấy phép", True),
            ("Báo cáo đề xuất cấp giấy phép môi trường", True),
            ("Bản sao quyết định phê duyệt kết quả thẩm định báo cáo", False),
        ],
        start=1,
    ):
        DossierComponent.objects.create(
            version=version, order=order, name=component, mandatory=mandatory
        )
    steps = [
        (K.RECEIVE, "mot-cua", Role.ONE_STOP_OFFICER, "0.5"),
        (K.TRANSFER, "mot-cua", Role.ONE_STOP_OFFICER, "0.5"),
        (K.ASSIGN, None, Role.UNIT_HEAD, "0.5"),
        (K.APPRAISE, None, Role.SPECIALIST, "5"),
        (K.REVIEW, None, Role.UNIT_HEAD, "1"),
        (K.APPROVE, "ban-giam-doc", Role.DIRECTOR, "1"),
        (K.ISSUE, "van-phong", Role.CLERK, "0.5"),
        (K.RETURN, "mot-cua", Role.ONE_STOP_OFFICER, "0.5"),
    ]
    for order, (kind, step_unit, role, days) in enumerate(steps, start=1):
        ProcessStep.objects.create(
            version=version,
            order=order,
            kind=kind,
            title=kind.label,
            responsible_unit=units[step_unit] if step_unit else None,
            responsible_role=role,
            time_value=Decimal(days),
        )
    return procedure


APPLICANT = {
    "applicant_name": "Nguyễn Thị Ánh Tuyết",
    "applicant_address": "Số 18 đường Hùng Vương, Phường 6, thành phố Sóc Trăng",
    "applicant_phone": "0299 3822 123",
    "applicant_email": "anhtuyet@example.vn",
    "summary": "Cấp giấy phép môi trường cho cơ sở chế biến thủy sản Ánh Tuyết",
}


def receive(procedure, *, when, decision="received", present=(True, True, False), **kwargs):
    """Receive a dossier at the desk as ``motcua``, the documents ticked as in ``present``."""
    components = list(procedure.versions.get().components.order_by("order"))
    documents = [
        DocumentInput(component=c, present=p, originals=1 if p else 0, photocopies=2 if p else 0)
        for c, p in zip(components, present, strict=True)
    ]
    return services.dossier_receive(
        actor=user("motcua"),
        procedure=procedure,
        decision=decision,
        applicant={**APPLICANT, **kwargs.pop("applicant", {})},
        documents=documents,
        at=when,
        **kwargs,
    )


@pytest.fixture
def environment_permit(demo):
    return build_procedure(
        demo,
        unit_code="moi-truong",
        key="cap-giay-phep-moi-truong",
        code="1.010727",
        name="Cấp giấy phép môi trường (cấp tỉnh)",
    )


@pytest.fixture
def received(environment_permit):
    # Friday 26/4/2024: 30 calendar days end on Sunday 26/5, so the appointment moves to Monday.
    return receive(environment_permit, when=at(2024, 4, 26))


# --- the Vietnamese wording of dates ----------------------------------------------------------


def test_dates_are_written_the_vietnamese_way():
    assert vn_date(dt.date(2024, 4, 26)) == "ngày 26 tháng 4 năm 2024"
    assert vn_date(dt.date(2025, 2, 5)) == "ngày 05 tháng 02 năm 2025"
    # Stored in UTC, printed in Vietnam time: 01:30 UTC is 08:30 in Sóc Trăng.
    utc = dt.datetime(2024, 4, 26, 1, 30, tzinfo=dt.UTC)
    assert vn_datetime(utc) == "08 giờ 30 phút, ngày 26 tháng 4 năm 2024"
    assert vn_datetime(None) == "…… giờ …… phút, ngày …… tháng …… năm ……"


def test_signature_title_signs_on_behalf_of_the_director():
    assert signature_title("") == ["GIÁM ĐỐC"]
    assert signature_title("Giám đốc Sở") == ["GIÁM ĐỐC"]
    assert signature_title("Phó Giám đốc Sở") == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


# --- Mẫu 01 -----------------------------------------------------------------------------------


def test_receipt_prints_two_copies_filled_from_the_dossier(received):
    form = FormTemplate.objects.get(regime=received.regime, kind=FORM_KINDS.RECEIPT)
    pages = pdf_pages(render_dossier_form(received, FORM_KINDS.RECEIPT, printed_by=user("motcua")))

    assert len(pages) == 2
    assert "(Liên 1: Lưu)" in pages[0] and "(Liên 2: Giao người nộp)" in pages[1]
    for page in pages:
        assert form.title in page
        assert form.number in page
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
        assert "Độc lập - Tự do - Hạnh phúc" in page
        assert "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG TỈNH SÓC TRĂNG" in page
        assert "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in page
        assert "Sóc Trăng, ngày 26 tháng 4 năm 2024" in page
        assert f"Mã hồ sơ: {received.code}" in page
        assert "Tiếp nhận hồ sơ của: Nguyễn Thị Ánh Tuyết" in page
        assert "Bộ phận tiếp nhận và trả kết quả: Bộ phận Một cửa của Sở tại Trung tâm" in page
        assert "Số điện thoại: 0299 3822 123 Email: anhtuyet@example.vn" in page
        # The two documents handed in, not the optional one left out.
        assert "1 Văn bản đề nghị cấp giấy phép 1 2" in page
        assert "2 Báo cáo đề xuất cấp giấy phép môi trường 1 2" in page
        assert "Bản sao quyết định phê duyệt" not in page
        assert "2. Số lượng hồ sơ: 1 (bộ)" in page
        assert "3. Thời gian giải quyết hồ sơ theo quy định là: 30 ngày" in page
        assert "4. Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 26 tháng 4 năm 2024" in page
        assert (
            "5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 27 tháng 5 năm 2024"
        ) in page
        assert "6. Đăng ký nhận kết quả tại: Tại Bộ phận tiếp nhận và trả kết quả" in page
        assert "NGƯỜI NỘP HỒ SƠ" in page
        assert "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Trần Thị Mai" in page
        assert "Ghi chú:" in page and "được lập thành 2 liên" in page


def test_online_receipt_is_signed_by_the_receiving_officer_only(environment_permit):
    dossier = receive(environment_permit, when=at(2024, 4, 26), channel=2, delivery="online")
    text = pdf_text(render_dossier_form(dossier, FORM_KINDS.RECEIPT))
    assert "NGƯỜI NỘP HỒ SƠ" not in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Đăng ký nhận kết quả tại: Trực tuyến (kho dữ liệu điện tử)" in text


def test_printed_title_is_the_form_template_row_not_a_literal(received):
    form = FormTemplate.objects.get(regime=received.regime, kind=FORM_KINDS.RECEIPT)
    form.title = "GIẤY BIÊN NHẬN HỒ SƠ (BẢN SỬA)"
    form.number = "Mẫu số 01a"
    form.save()
    text = pdf_text(render_dossier_form(received, FORM_KINDS.RECEIPT))
    assert "GIẤY BIÊN NHẬN HỒ SƠ (BẢN SỬA)" in text
    assert "Mẫu số 01a" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" not in text


def test_a_dossier_received_under_the_2025_regime_prints_that_regimes_forms(environment_permit):
    dossier = receive(environment_permit, when=at(2025, 7, 3))
    assert dossier.regime.code == "ND118_2025"
    form = FormTemplate.objects.get(regime=dossier.regime, kind=FORM_KINDS.CONTROL)
    text = pdf_text(render_dossier_form(dossier, FORM_KINDS.CONTROL))
    assert form.number == "Mẫu số 06" and form.number in text
    assert "Sóc Trăng, ngày 03 tháng 7 năm 2025" in text


# --- Mẫu 02 -----------------------------------------------------------------------------------


def test_supplement_request_lists_every_missing_document(environment_permit):
    dossier = receive(
        environment_permit,
        when=at(2024, 4, 26, 9, 15),
        decision="incomplete",
        present=(True, False, False),
        reason="Thiếu báo cáo đề xuất theo Mẫu của Phụ lục IX",
    )
    form = FormTemplate.objects.get(regime=dossier.regime, kind=FORM_KINDS.SUPPLEMENT)
    text = pdf_text(render_dossier_form(dossier, FORM_KINDS.SUPPLEMENT))
    assert form.title in text
    assert form.legal_note in text
    assert "Sóc Trăng, ngày 26 tháng 4 năm 2024" in text
    assert "Số: ……/HDHS" in text
    assert "Tiếp nhận hồ sơ/yêu cầu của Ông/Bà: Nguyễn Thị Ánh Tuyết" in text
    assert "Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau: " in text
    assert "1. Báo cáo đề xuất cấp giấy phép môi trường" in text
    assert "2." not in text.split("như sau:")[1].split("Lý do")[0]
    assert "Lý do: Thiếu báo cáo đề xuất theo Mẫu của Phụ lục IX" in text
    assert "liên hệ với công chức Trần Thị Mai" in text
    assert "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Trần Thị Mai" in text


def test_supplement_during_handling_prints_the_code_and_all_items(received):
    services.dossier_transfer(actor=user("motcua"), dossier=received)
    services.dossier_assign(actor=user("truongphong"), dossier=received, handler=user("chuyenvien"))
    services.dossier_appraise(
        actor=user("chuyenvien"),
        dossier=received,
        decision="request_supplement",
        opinion="Báo cáo chưa đánh giá nước thải",
        missing=["Báo cáo đánh giá nước thải", "Sơ đồ vị trí điểm xả thải"],
    )
    text = pdf_text(render_dossier_form(received, FORM_KINDS.SUPPLEMENT))
    assert f"Mã hồ sơ: {received.code}" in text
    assert "1. Báo cáo đánh giá nước thải 2. Sơ đồ vị trí điểm xả thải" in text
    assert "Lý do: Báo cáo chưa đánh giá nước thải" in text
    assert "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) Lê Văn Hùng" in text


def test_an_earlier_supplement_request_can_be_reprinted(environment_permit, received):
    dossier = receive(
        environment_permit,
        when=at(2024, 4, 26, 9, 15),
        decision="incomplete",
        present=(True, False, False),
    )
    report = environment_permit.versions.get().components.get(order=2)
    services.dossier_complete_at_desk(
        actor=user("motcua"),
        dossier=dossier,
        documents=[DocumentInput(component=report, present=True, originals=1)],
        at=at(2024, 4, 29),
    )
    services.dossier_transfer(actor=user("motcua"), dossier=dossier)
    services.dossier_assign(actor=user("truongphong"), dossier=dossier, handler=user("chuyenvien"))
    services.dossier_appraise(
        actor=user("chuyenvien"),
        dossier=dossier,
        decision="request_supplement",
        opinion="Thiếu sơ đồ",
        missing=["Sơ đồ vị trí điểm xả thải"],
    )
    at_desk = dossier.supplements.get(stage="receipt")

    latest = pdf_text(render_dossier_form(dossier, FORM_KINDS.SUPPLEMENT))
    assert "1. Sơ đồ vị trí điểm xả thải" in latest
    earlier = pdf_text(render_dossier_form(dossier, FORM_KINDS.SUPPLEMENT, supplement=at_desk))
    assert "1. Báo cáo đề xuất cấp giấy phép môi trường" in earlier
    assert "Sơ đồ vị trí" not in earlier
    assert "Sóc Trăng, ngày 26 tháng 4 năm 2024" in earlier
    with pytest.raises(ValueError):
        render_dossier_form(received, FORM_KINDS.SUPPLEMENT, supplement=at_desk)


# --- Mẫu 03 -----------------------------------------------------------------------------------


def test_refusal_states_the_reason(environment_permit):
    dossier = receive(
        environment_permit,
        when=at(2024, 5, 2, 14, 5),
        decision="refused_at_receipt",
        reason="Cơ sở thuộc thẩm quyền cấp phép của Bộ Tài nguyên và Môi trường",
    )
    form = FormTemplate.objects.get(regime=dossier.regime, kind=FORM_KINDS.REFUSAL)
    text = pdf_text(render_dossier_form(dossier, FORM_KINDS.REFUSAL))
    assert form.title in text
    assert "Sóc Trăng, ngày 02 tháng 5 năm 2024" in text
    assert "Tiếp nhận hồ sơ của: Nguyễn Thị Ánh Tuyết" in text
    assert (
        "Qua xem xét, Bộ phận tiếp nhận hồ sơ của Sở Tài nguyên và Môi trường tỉnh Sóc Trăng "
        "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: Cơ sở thuộc "
        "thẩm quyền cấp phép của Bộ Tài nguyên và Môi trường"
    ) in text
    assert "NGƯỜI NỘP HỒ SƠ" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ (Ký và ghi rõ họ tên) Trần Thị Mai" in text


# --- Mẫu 04 -----------------------------------------------------------------------------------


def apologise(dossier, *, signer=None):
    services.dossier_transfer(actor=user("motcua"), dossier=dossier)
    return services.dossier_apologise(
        actor=user("truongphong"),
        dossier=dossier,
        reason="Cần lấy ý kiến của Ủy ban nhân dân huyện Trần Đề",
        new_due_date=dt.date(2024, 6, 10),
        signer=signer,
        at=at(2024, 5, 23, 10, 0),
    )


def test_apology_gives_the_dates_reason_and_new_appointment(received):
    apologise(received, signer=user("phogiamdoc"))
    form = FormTemplate.objects.get(regime=received.regime, kind=FORM_KINDS.APOLOGY)
    text = pdf_text(render_dossier_form(received, FORM_KINDS.APOLOGY))
    assert form.title in text
    assert "ỦY BAN NHÂN DÂN TỈNH SÓC TRĂNG" in text
    assert "Số: ……/PXL" in text
    assert "Sóc Trăng, ngày 23 tháng 5 năm 2024" in text
    assert "Kính gửi: Ông/Bà Nguyễn Thị Ánh Tuyết" in text
    assert "Ngày 26 tháng 4 năm 2024, Bộ phận Một cửa của Sở" in text
    assert f"Mã hồ sơ: {received.code}" in text
    assert "Ngày hẹn trả kết quả giải quyết hồ sơ: ngày 27 tháng 5 năm 2024" in text
    assert "đã chuyển hồ sơ cho Phòng Môi trường xem xét, giải quyết theo quy định" in text
    assert "Lý do: Cần lấy ý kiến của Ủy ban nhân dân huyện Trần Đề" in text
    assert "Thời gian hẹn trả kết quả lại: Ngày 10 tháng 6 năm 2024" in text
    assert "Nơi nhận: - Như trên;" in text and "- Lưu: VT." in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC Lý Thị Thu" in text


def test_apology_without_a_named_signer_is_signed_by_the_director(received):
    apologise(received)
    text = pdf_text(render_dossier_form(received, FORM_KINDS.APOLOGY))
    assert "GIÁM ĐỐC" in text and "KT. GIÁM ĐỐC" not in text


# --- Mẫu 05 -----------------------------------------------------------------------------------


def test_control_sheet_has_a_block_per_hand_over(demo, received):
    from workflows.handovers import Handover

    units = demo["units"]
    handovers = [
        Handover(
            giver_unit=units["mot-cua"],
            giver=user("motcua"),
            receiver_unit=units["moi-truong"],
            receiver=user("truongphong"),
            at=at(2024, 4, 26, 15, 10),
            due=at(2024, 4, 26, 17, 0),
            result="early",
            note="Chuyển hồ sơ giấy",
        ),
        Handover(
            giver_unit=units["moi-truong"],
            giver=user("chuyenvien"),
            receiver_unit=units["ban-giam-doc"],
            receiver=user("giamdoc"),
            at=at(2024, 5, 20, 9, 45),
            due=at(2024, 5, 17, 17, 0),
            result="late",
            note="",
        ),
    ]
    form = FormTemplate.objects.get(regime=received.regime, kind=FORM_KINDS.CONTROL)
    text = pdf_text(render_dossier_form(received, FORM_KINDS.CONTROL, handovers=handovers))
    assert form.title in text
    assert "Kèm theo hồ sơ của: Nguyễn Thị Ánh Tuyết" in text
    assert f"Mã hồ sơ: {received.code}" in text
    assert "Ngày nhận: 08 giờ 30 phút, ngày 26 tháng 4 năm 2024" in text
    assert "Ngày, giờ hẹn trả kết quả: 17 giờ 00 phút, ngày 27 tháng 5 năm 2024" in text
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: Phòng Môi trường" in text
    assert "TÊN CƠ QUAN THỜI GIAN GIAO, NHẬN HỒ SƠ KẾT QUẢ GIẢI QUYẾT HỒ SƠ" in text
    assert "1. Giao: Bộ phận Một cửa của Sở tại Trung tâm Phục vụ hành chính công tỉnh" in text
    assert "2. Nhận: Phòng Môi trường" in text
    assert "15 giờ 10 phút, ngày 26 tháng 4 năm 2024" in text
    assert "Trước hạn Chuyển hồ sơ giấy" in text
    assert "1. Giao: Phòng Môi trường" in text and "2. Nhận: Ban Giám đốc Sở" in text
    assert "09 giờ 45 phút, ngày 20 tháng 5 năm 2024" in text
    assert "Quá hạn" in text
    for name in ["Trần Thị Mai", "Nguyễn Thị Hồng", "Lê Văn Hùng", "Đặng Văn Phúc"]:
        assert name in text
    assert "Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính" in text


def test_register_is_not_a_per_dossier_form(received):
    with pytest.raises(ValueError):
        render_dossier_form(received, FORM_KINDS.REGISTER)


# --- Mẫu 06 on paper --------------------------------------------------------------------------


def test_register_prints_landscape_with_the_numbered_columns(demo, received, environment_permit):
    from procedures.models import Dossier
    from procedures.register import register_pdf

    receive(environment_permit, when=at(2024, 5, 13), decision="incomplete", present=(1, 0, 0))
    form = FormTemplate.objects.get(regime=received.regime, kind=FORM_KINDS.REGISTER)
    data = register_pdf(
        Dossier.objects.all(),
        form=form,
        agency=demo["agency"],
        subtitle="Từ ngày 01/04/2024 đến ngày 30/04/2024",
        printed_on=dt.date(2024, 5, 2),
    )
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = pdf_text(data)
    assert form.title in text and form.number in text
    assert "Sóc Trăng, ngày 02 tháng 5 năm 2024" in text
    assert "Từ ngày 01/04/2024 đến ngày 30/04/2024" in text
    assert "Ngày, tháng, năm" in text and "Trả kết quả" in text
    assert " ".join(f"({n})" for n in range(1, 15)) in text
    # One row: the incomplete dossier was never received.
    assert text.count("Nguyễn Thị Ánh Tuyết") == 1
    assert f"1 {received.code} Cấp giấy phép môi trường (cấp tỉnh) 1 Nguyễn Thị Ánh Tuyết" in text
    assert "26/04/2024 27/05/2024" in text
    assert "Đã tiếp nhận; Trễ hạn" in text
    assert "NGƯỜI BÁO CÁO" in text
