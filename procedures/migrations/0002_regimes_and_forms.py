"""The two one-stop regimes and their forms as data (DOMAIN.md §1, FORMS.md §0–1).

Dates and the ND118_2025 form list are marked [chưa xác nhận] where the legal text was not
checked; an administrator corrects them in the admin.
"""

import datetime as dt

from django.db import migrations

TT01 = "ban hành kèm theo Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ"
TT03 = "ban hành kèm theo Thông tư số 03/2025/TT-VPCP của Văn phòng Chính phủ [chưa xác nhận]"

REGIMES = [
    {
        "code": "ND61_2018",
        "name": "Nghị định 61/2018/NĐ-CP (sửa đổi bởi Nghị định 107/2021/NĐ-CP)",
        "legal_texts": (
            "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018; Nghị định số 107/2021/NĐ-CP ngày "
            "06/12/2021; Thông tư số 01/2018/TT-VPCP ngày 23/11/2018; Thông tư số "
            "01/2023/TT-VPCP."
        ),
        "valid_from": dt.date(2018, 8, 21),
        "valid_to": dt.date(2025, 6, 30),
        "forms": [
            ("receipt", "Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", TT01),
            ("supplement", "Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", TT01),
            ("refusal", "Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", TT01),
            ("apology", "Mẫu số 04", "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", TT01),
            ("control", "Mẫu số 05", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", TT01),
            ("register", "Mẫu số 06", "SỔ THEO DÕI HỒ SƠ", TT01),
        ],
    },
    {
        "code": "ND118_2025",
        "name": "Nghị định 118/2025/NĐ-CP (sửa đổi bởi Nghị định 367/2025/NĐ-CP)",
        "legal_texts": (
            "Nghị định số 118/2025/NĐ-CP; Nghị định số 367/2025/NĐ-CP; Thông tư số "
            "03/2025/TT-VPCP [chưa xác nhận]."
        ),
        "valid_from": dt.date(2025, 7, 1),
        "valid_to": None,
        "forms": [
            ("receipt", "Mẫu số 01", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", TT03),
            ("supplement", "Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", TT03),
            ("refusal", "Mẫu số 03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", TT03),
            (
                "apology",
                "Mẫu số 04",
                "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
                TT03,
            ),
            ("control", "Mẫu số 06", "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", TT03),
            ("register", "Mẫu số 07", "SỔ THEO DÕI HỒ SƠ", TT03),
        ],
    },
]


def load(apps, schema_editor):
    Regime = apps.get_model("procedures", "Regime")
    FormTemplate = apps.get_model("procedures", "FormTemplate")
    for data in REGIMES:
        data = dict(data)
        forms = data.pop("forms")
        regime, _ = Regime.objects.get_or_create(code=data["code"], defaults=data)
        for kind, number, title, note in forms:
            FormTemplate.objects.get_or_create(
                regime=regime,
                kind=kind,
                defaults={
                    "number": number,
                    "title": title,
                    "legal_note": f"({number}, {note})",
                    "template_name": f"procedures/forms/{kind}.html",
                },
            )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
