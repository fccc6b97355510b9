"""A department with its catalogue, the five demo checklists and a 2024 programme with two
audits covering every unit, field and internal process:

* ``main`` (01/2024): Văn phòng, Một cửa, Phòng Môi trường, every field and process; led by the
  internal auditor ``danhgia`` (Thanh tra) with ``chuyenvien.nuoc`` (Phòng TN nước);
* ``rest`` (02/2024): every other unit; led by ``truongphong`` with ``chuyenvien`` (both
  Phòng Môi trường).
"""

import datetime as dt

import pytest

from audits.internal import services
from audits.internal.demo import load_demo_checklists
from procedures.demo import FIELDS
from procedures.models import ProcedureField
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User

MAIN_UNITS = ["van-phong", "mot-cua", "moi-truong"]
REST_UNITS = [
    "ban-giam-doc",
    "thanh-tra",
    "ke-hoach-tai-chinh",
    "trung-tam-cntt",
    "tai-nguyen-nuoc",
    "dat-dai",
    "bien-hai-dao",
]


def user(username):
    return User.objects.get(username=username)


def units(*codes):
    return [OrgUnit.objects.get(code=c) for c in codes]


@pytest.fixture
def org(demo):
    """The department and the six fields of its procedures (the procedures themselves are not
    needed here, and loading the whole catalogue would make every test slow)."""
    for code, name, unit in FIELDS:
        ProcedureField(code=code, name=name, handling_unit=demo["units"][unit]).save()
    return demo


@pytest.fixture
def checklists(org):
    return load_demo_checklists(actor=user("thuky"))


@pytest.fixture
def programme(org):
    return services.programme_create(
        actor=user("thuky"), year=2024, objectives="Đánh giá mọi đơn vị và quá trình năm 2024."
    )


def plan_kwargs(**overrides):
    values = {
        "title": "Văn phòng, Một cửa và Phòng Môi trường",
        "scope": "Kiểm soát tài liệu, tiếp nhận hồ sơ, lĩnh vực Môi trường.",
        "clauses": "7.5, 8.5, 8.7",
        "criteria": "TCVN ISO 9001:2015; quy trình nội bộ.",
        "planned_start": dt.date(2024, 4, 8),
        "planned_end": dt.date(2024, 4, 12),
        "lead_auditor": user("danhgia"),
        "members": [user("chuyenvien.nuoc")],
        "units": units(*MAIN_UNITS),
        "fields": list(ProcedureField.objects.all()),
        "processes": [
            "document_control",
            "one_stop",
            "corrective_action",
            "monitoring",
            "internal_audit",
            "management_review",
        ],
        "checklists": [],
    }
    values.update(overrides)
    return values


@pytest.fixture
def main_audit(programme, checklists):
    return services.audit_plan(
        actor=user("thuky"),
        programme=programme,
        **plan_kwargs(checklists=[checklists["7.5"], checklists["8.7"]]),
    )


@pytest.fixture
def rest_audit(programme, checklists, main_audit):
    return services.audit_plan(
        actor=user("thuky"),
        programme=programme,
        **plan_kwargs(
            title="Các đơn vị còn lại",
            planned_start=dt.date(2024, 10, 14),
            planned_end=dt.date(2024, 10, 25),
            lead_auditor=user("truongphong"),
            members=[user("chuyenvien")],
            units=units(*REST_UNITS),
            fields=[],
            processes=[],
            checklists=[checklists["7.5"]],
        ),
    )


@pytest.fixture
def approved(programme, main_audit, rest_audit):
    services.programme_approve(actor=user("giamdoc"), programme=programme, password=DEMO_PASSWORD)
    programme.refresh_from_db()
    return programme


@pytest.fixture
def started(approved, main_audit):
    """The main audit, in progress."""
    return services.audit_start(actor=user("danhgia"), audit=main_audit)
