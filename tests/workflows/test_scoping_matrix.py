"""The per-unit scoping matrix: every demo role × a dossier of its own unit or of another unit ×
every page that shows dossiers, as a table (``MATRIX``) whose cells are separate tests.

The demo (``load_demo``: units, users, catalogue, dossiers in every state made through the real
pages) is built once for the module, inside a transaction rolled back at its end; each test runs
in a savepoint of it (pytest-django's ``db``), so a test's requests change nothing for the next.

The rule under test is ``procedures.selectors.dossiers_visible_to``: members of a specialist unit
see its dossiers and nothing of another unit's (a 404, never a 403 that says the dossier exists);
the one-stop desk and the office's clerks hold a step of every procedure's internal process and
so see every dossier; directors, the quality manager, internal auditors and the administrator
see all. Seeing is not acting: the POSTs of an auditor, of the quality manager or of another
unit's member change nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from unittest import mock

import openpyxl
import pypdf
import pytest
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from procedures.demo import load_demo_catalogue
from procedures.models import (
    Apology,
    Dossier,
    DossierFee,
    DossierOpinion,
    FormTemplate,
    Procedure,
    SupplementRequest,
)
from qms.core.calendar import WorkingCalendar
from qms.core.demo import DEMO_PASSWORD, load_demo
from qms.core.models import User
from workflows.demo import APPLICANTS, DemoOffice, load_demo_dossiers
from workflows.flows import DossierFlow
from workflows.handovers import dossier_process

pytestmark = pytest.mark.django_db

FLOW = "/workflow/flows/dossier"

# --- expected outcomes ------------------------------------------------------------------------

OK = "200"  # the page opens
HIDDEN = "404"  # as if the dossier did not exist
LISTED = "listed"  # the page opens and lists the dossier
ABSENT = "absent"  # the page opens and does not list it
ADMIN_LOGIN = "admin-login"  # not staff: sent to the admin's login page
FORBIDDEN = "403"  # the whole workspace is closed to the role, whatever the record


@dataclass(frozen=True)
class Role:
    username: str
    label: str
    #: The specialist unit whose dossier is this user's "own" one, and another unit.
    home: str
    away: str
    #: Sees the other unit's dossier too.
    sees_all: bool
    #: Opens the internal auditor's workspace (``core.view_auditevent``).
    audits: bool = False


ENV, WATER, LAND = "moi-truong", "tai-nguyen-nuoc", "dat-dai"
ROLES = [
    # The desk receives, transfers and returns every procedure's dossiers.
    Role("motcua", "công chức Một cửa", ENV, WATER, True),
    Role("chuyenvien", "chuyên viên Phòng Môi trường", ENV, WATER, False),
    Role("truongphong", "trưởng Phòng Môi trường", ENV, WATER, False),
    Role("chuyenvien.nuoc", "chuyên viên Phòng TN nước", WATER, ENV, False),
    Role("truongphong.nuoc", "trưởng Phòng TN nước", WATER, ENV, False),
    Role("chuyenvien.datdai", "chuyên viên Phòng Đất đai", LAND, ENV, False),
    Role("truongphong.datdai", "trưởng Phòng Đất đai", LAND, ENV, False),
    Role("giamdoc", "Giám đốc Sở", ENV, WATER, True, audits=True),
    Role("phogiamdoc", "Phó Giám đốc Sở", ENV, WATER, True, audits=True),
    # The office's clerk issues every procedure's result.
    Role("vanthu", "văn thư", ENV, WATER, True),
    Role("thuky", "thư ký ISO (quản lý chất lượng)", ENV, WATER, True, audits=True),
    Role("danhgia", "chuyên gia đánh giá nội bộ", ENV, WATER, True, audits=True),
    Role("admin", "quản trị hệ thống", ENV, WATER, True, audits=True),
]
ROLE = {role.username: role for role in ROLES}

#: The dossier of each unit used for the dossier pages: received, transferred, assigned, with
#: an apology (Mẫu 04) for the first two.
UNIT_DOSSIER = {ENV: "env_appraise", WATER: "water_appraise", LAND: "land_appraise"}
#: For each printed form, a dossier of each unit that has it.
FORM_DOSSIERS = {
    FormTemplate.Kind.RECEIPT: UNIT_DOSSIER,
    FormTemplate.Kind.CONTROL: UNIT_DOSSIER,
    FormTemplate.Kind.APOLOGY: {ENV: "env_appraise", WATER: "water_appraise"},
    FormTemplate.Kind.SUPPLEMENT: {ENV: "env_supplement", WATER: "water_supplement"},
    FormTemplate.Kind.REFUSAL: {ENV: "env_refused", WATER: "water_refused"},
}

DOSSIER_PAGES = [
    "detail",
    "process",
    "process_chart",
    "task_detail",
    "admin_change",
    "audit_trail",
]
FORM_PAGES = [f"form:{kind}" for kind in FORM_DOSSIERS]
LIST_PAGES = [
    "register",
    "register.xlsx",
    "register.pdf",
    "process_list",
    "task_list",
    "kanban",
    "admin_changelist",
]

#: Work lists only ever show the user's own work: (role, page, own dossier, expected, other
#: unit's dossier, expected). The desk works on every unit's dossiers; a superuser's queue is
#: every unassigned task.
WORK_LISTS = [
    ("motcua", "inbox", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("motcua", "queue", "env_transfer", LISTED, "water_supplement", LISTED),
    ("motcua", "archive", "env_appraise", LISTED, "water_appraise", LISTED),
    ("chuyenvien", "inbox", "env_appraise", LISTED, "water_appraise", ABSENT),
    ("chuyenvien", "queue", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("chuyenvien", "archive", "env_review", LISTED, "water_supplement", ABSENT),
    ("truongphong", "inbox", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("truongphong", "queue", "env_assign", LISTED, "water_assign", ABSENT),
    ("truongphong", "archive", "env_appraise", LISTED, "water_appraise", ABSENT),
    ("chuyenvien.nuoc", "inbox", "water_appraise", LISTED, "env_appraise", ABSENT),
    ("chuyenvien.nuoc", "queue", "water_appraise", ABSENT, "env_appraise", ABSENT),
    ("chuyenvien.nuoc", "archive", "water_supplement", LISTED, "env_review", ABSENT),
    ("truongphong.nuoc", "inbox", "water_appraise", ABSENT, "env_appraise", ABSENT),
    ("truongphong.nuoc", "queue", "water_assign", LISTED, "env_assign", ABSENT),
    ("truongphong.nuoc", "archive", "water_appraise", LISTED, "env_appraise", ABSENT),
    ("chuyenvien.datdai", "inbox", "land_appraise", LISTED, "env_appraise", ABSENT),
    ("chuyenvien.datdai", "queue", "land_appraise", ABSENT, "env_appraise", ABSENT),
    ("chuyenvien.datdai", "archive", "land_appraise", ABSENT, "env_review", ABSENT),
    ("truongphong.datdai", "inbox", "land_appraise", ABSENT, "env_appraise", ABSENT),
    ("truongphong.datdai", "queue", "land_appraise", ABSENT, "env_assign", ABSENT),
    ("truongphong.datdai", "archive", "land_appraise", LISTED, "env_appraise", ABSENT),
    ("giamdoc", "inbox", "env_approve", ABSENT, "water_appraise", ABSENT),
    ("giamdoc", "queue", "env_approve", LISTED, "water_appraise", ABSENT),
    ("giamdoc", "archive", "env_issue", LISTED, "water_appraise", ABSENT),
    ("phogiamdoc", "inbox", "env_approve", ABSENT, "water_appraise", ABSENT),
    ("phogiamdoc", "queue", "env_approve", LISTED, "water_appraise", ABSENT),
    ("phogiamdoc", "archive", "env_issue", ABSENT, "water_appraise", ABSENT),
    ("vanthu", "inbox", "env_issue", ABSENT, "water_appraise", ABSENT),
    ("vanthu", "queue", "env_issue", LISTED, "water_appraise", ABSENT),
    ("vanthu", "archive", "env_return", LISTED, "water_appraise", ABSENT),
    ("thuky", "inbox", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("thuky", "queue", "env_transfer", ABSENT, "water_assign", ABSENT),
    ("thuky", "archive", "env_done", ABSENT, "water_appraise", ABSENT),
    ("danhgia", "inbox", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("danhgia", "queue", "env_transfer", ABSENT, "water_assign", ABSENT),
    ("danhgia", "archive", "env_done", ABSENT, "water_appraise", ABSENT),
    ("admin", "inbox", "env_appraise", ABSENT, "water_appraise", ABSENT),
    ("admin", "queue", "env_transfer", LISTED, "water_assign", LISTED),
    ("admin", "archive", "env_done", ABSENT, "water_appraise", ABSENT),
]
WORK_DOSSIER = {
    (username, page, which): key
    for username, page, own, _own_expected, other, _other_expected in WORK_LISTS
    for which, key in (("own", own), ("other", other))
}

#: Cells where the product does not do what the rule says (none left; add with a reason).
KNOWN_BUGS: dict = {}


def _expected(role: Role, page: str, which: str) -> str:
    visible = which == "own" or role.sees_all
    if page == "audit_trail":
        return OK if role.audits else FORBIDDEN
    if page in ("admin_change", "admin_changelist"):
        if role.username != "admin":
            return ADMIN_LOGIN
        return OK if page == "admin_change" else LISTED
    if page in DOSSIER_PAGES or page in FORM_PAGES:
        return OK if visible else HIDDEN
    return LISTED if visible else ABSENT


def _has_dossier(role: Role, page: str, which: str) -> bool:
    if not page.startswith("form:"):
        return True
    unit = role.home if which == "own" else role.away
    return unit in FORM_DOSSIERS[page.removeprefix("form:")]


def _cell(role, page, which, expected):
    reason = KNOWN_BUGS.get((page, expected))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(role, page, which, expected, marks=marks, id=f"{role}/{page}/{which}")


#: (role, page, own/other, expected): one test per cell.
MATRIX = [
    *[
        (role.username, page, which, _expected(role, page, which))
        for role in ROLES
        for page in [*DOSSIER_PAGES, *FORM_PAGES, *LIST_PAGES]
        for which in ("own", "other")
        if _has_dossier(role, page, which)
    ],
    *[
        (username, page, which, expected)
        for username, page, _own, own_expected, _other, other_expected in WORK_LISTS
        for which, expected in (("own", own_expected), ("other", other_expected))
    ],
    # The flow's chart (no process) is the same drawing for everyone.
    *[(role.username, "chart", "-", OK) for role in ROLES],
]


# --- the demo, built once ---------------------------------------------------------------------


@dataclass
class World:
    dossiers: dict[str, Dossier]
    #: (username, page) → (status, keys of the dossiers the page lists); list pages are asked
    #: once per user.
    listings: dict = field(default_factory=dict)

    def dossier_for(self, role: Role, page: str, which: str) -> Dossier:
        if page in ("inbox", "queue", "archive"):
            return self.dossiers[WORK_DOSSIER[role.username, page, which]]
        unit = role.home if which == "own" else role.away
        if page.startswith("form:"):
            return self.dossiers[FORM_DOSSIERS[page.removeprefix("form:")][unit]]
        return self.dossiers[UNIT_DOSSIER[unit]]


def _open_at(unit: str, node: str) -> Dossier:
    """The (first) demo dossier of ``unit`` whose open step is ``node``."""
    task = (
        Task.objects.filter(
            flow_task=getattr(DossierFlow, node),
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            process__in=Process.objects.filter(
                artifact_object_id__in=Dossier.objects.filter(handling_unit__code=unit).values("pk")
            ),
        )
        .order_by("pk")
        .first()
    )
    assert task is not None, f"Bản trình diễn không còn hồ sơ của {unit} chờ bước {node}"
    return Dossier.objects.get(pk=task.process.artifact_object_id)


def _first(unit: str, status: str) -> Dossier:
    dossier = Dossier.objects.filter(handling_unit__code=unit, status=status).order_by("pk").first()
    assert dossier is not None, f"Bản trình diễn không còn hồ sơ {status} của {unit}"
    return dossier


def _walk(office, dossier, head, specialist, *, until):
    steps = [
        ("transfer", "motcua", {}),
        ("assign", head, {"handler": User.objects.get(username=specialist).pk}),
    ]
    for node, username, data in steps[: [s[0] for s in steps].index(until) + 1]:
        office.as_user(username).do(dossier, node, data)


def _apologise(office, dossier, username):
    calendar = WorkingCalendar.load()
    new_day = calendar.add_working_days(timezone.localdate(dossier.due_at), 5)
    response = office.as_user(username).client.post(
        f"/workflow/dossiers/{dossier.pk}/apology/",
        {"reason": "Chờ ý kiến phối hợp của UBND huyện", "new_due_date": new_day.isoformat()},
    )
    assert response.status_code == 302
    assert Apology.objects.filter(dossier=dossier).exists(), "Không lập được Mẫu 04"


def _build_world() -> World:
    demo = load_demo()
    load_demo_catalogue(agency=demo["agency"])
    load_demo_dossiers()
    d = {
        "env_transfer": _open_at(ENV, "transfer"),
        "env_assign": _open_at(ENV, "assign"),
        "env_appraise": _open_at(ENV, "appraise"),
        "env_review": _open_at(ENV, "review"),
        "env_approve": _open_at(ENV, "approve"),
        "env_issue": _open_at(ENV, "issue"),
        "env_return": _open_at(ENV, "return_result"),
        "env_supplement": _open_at(ENV, "supplement"),
        "env_done": _first(ENV, "returned"),
        "water_appraise": _open_at(WATER, "appraise"),
        "water_refused": _first(WATER, "refused_at_receipt"),
    }
    # What the demo does not have: a dossier waiting for the water unit's head, one of the water
    # unit waiting for a supplement, a refusal of the environment unit, a land dossier, apologies.
    office = DemoOffice()
    env = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")
    water = Procedure.objects.get(key="cap-lai-giay-phep-tai-nguyen-nuoc")
    land = Procedure.objects.get(key="giao-dat-cho-thue-dat-to-chuc")
    d["water_assign"] = office.as_user("motcua").receive(water, APPLICANTS[6])
    _walk(office, d["water_assign"], "truongphong.nuoc", "chuyenvien.nuoc", until="transfer")
    d["water_supplement"] = office.as_user("motcua").receive(water, APPLICANTS[3])
    _walk(office, d["water_supplement"], "truongphong.nuoc", "chuyenvien.nuoc", until="assign")
    office.as_user("chuyenvien.nuoc").do(
        d["water_supplement"],
        "appraise",
        {
            "decision": "request_supplement",
            "opinion": "Cần bổ sung.",
            "missing": "Bản đồ vị trí công trình khai thác",
        },
    )
    d["env_refused"] = office.as_user("motcua").receive(
        env, APPLICANTS[2], decision="refused_at_receipt"
    )
    d["land_appraise"] = office.as_user("motcua").receive(land, APPLICANTS[0])
    _walk(office, d["land_appraise"], "truongphong.datdai", "chuyenvien.datdai", until="assign")
    _apologise(office, d["env_appraise"], "truongphong")
    _apologise(office, d["water_appraise"], "truongphong.nuoc")
    for dossier in d.values():
        dossier.refresh_from_db()
    return World(dossiers=d)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def stub_pdf():
    """The forms' visibility is decided before WeasyPrint runs: in the matrix a stub stands in
    for the rendering (``test_forms_render_for_a_viewer_who_may_see_them`` renders for real)."""
    rendered = []

    def render(dossier, kind, **kwargs):
        rendered.append((dossier.pk, kind))
        return b"%PDF-1.7 stub " + (dossier.code or str(dossier.pk)).encode()

    with mock.patch("procedures.printing.render_dossier_form", render):
        yield rendered


# --- reading the pages ------------------------------------------------------------------------


def _more_pages(client, url, params, response) -> tuple[str, list]:
    """HTML of every page of a paginated list, and the template contexts."""
    html, contexts = [response.content.decode()], [response.context]
    while getattr(response.context.get("page_obj"), "has_next", lambda: False)():
        number = response.context["page_obj"].next_page_number()
        response = client.get(url, {**params, "page": number})
        assert response.status_code == 200, f"{url} trang {number}: {response.status_code}"
        html.append(response.content.decode())
        contexts.append(response.context)
    return "\n".join(html), contexts


def _squash(text: str) -> str:
    return "".join(text.split())


def _listing(world: World, client, page: str) -> tuple[int, set[str], str]:
    """Which of the world's dossiers ``page`` lists for the signed-in user."""
    urls = {
        "register": "/workflow/dossiers/",
        "register.xlsx": "/workflow/dossiers/register.xlsx",
        "register.pdf": "/workflow/dossiers/register.pdf",
        "process_list": f"{FLOW}/flows/",
        "task_list": f"{FLOW}/tasks/",
        "kanban": f"{FLOW}/",
        "inbox": "/workflow/inbox/",
        "queue": "/workflow/queue/",
        "archive": "/workflow/archive/",
        "admin_changelist": "/admin/procedures/dossier/",
    }
    url = urls[page]
    with_code = {key: d for key, d in world.dossiers.items() if d.code}
    response = client.get(url)
    if response.status_code != 200:
        return response.status_code, set(), response.get("Location", "")
    if page in ("register.xlsx", "register.pdf"):
        if page == "register.xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
            text = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        else:
            reader = pypdf.PdfReader(io.BytesIO(response.content))
            text = " ".join(p.extract_text() for p in reader.pages)
        text = _squash(text)  # a code may wrap inside a narrow column
        return 200, {key for key, d in with_code.items() if d.code in text}, ""
    # viewflow's task and process lists hide finished rows as soon as their filter form is bound
    # (a "page" parameter binds it, see test_task_list_next_page_opens): they are read status
    # by status, so that every page is a page of the same list.
    if page == "task_list":
        queries = [{"status": [value for value, _label in STATUS.choices]}]
    elif page == "process_list":
        queries = [{"status": value} for value, _label in PROCESS.choices]
    else:
        queries = [{}]
    html, contexts = "", []
    for params in queries:
        response = client.get(url, params) if params else response
        assert response.status_code == 200, f"{url} {params}: {response.status_code}"
        more_html, more_contexts = _more_pages(client, url, params, response)
        html += more_html
        contexts += more_contexts
    if page == "kanban":
        # The kanban cards show "#process/task", not the dossier's code.
        processes = {
            task.process_id
            for context in contexts
            for column in context["columns"]
            for task in column["tasks"]
        } | {task.process_id for context in contexts for task in context["finished"]}
        return 200, {k for k, d in world.dossiers.items() if _process(d).pk in processes}, ""
    return 200, {key for key, d in with_code.items() if d.code in html}, ""


def _process(dossier):
    process = dossier_process(dossier)
    assert process is not None, f"Hồ sơ {dossier} không có quy trình"
    return process


def _dossier_url(page: str, dossier: Dossier) -> str:
    if page == "detail":
        return f"/workflow/dossiers/{dossier.pk}/"
    if page.startswith("form:"):
        return f"/workflow/dossiers/{dossier.pk}/forms/{page.removeprefix('form:')}.pdf"
    if page == "admin_change":
        return f"/admin/procedures/dossier/{dossier.pk}/change/"
    if page == "audit_trail":
        return f"/audits/records/procedures.dossier/{dossier.pk}/"
    process = _process(dossier)
    if page == "process":
        return f"{FLOW}/{process.pk}/"
    if page == "process_chart":
        return f"{FLOW}/{process.pk}/chart/"
    if page == "task_detail":
        task = Task.objects.get(process=process, flow_task=DossierFlow.transfer)
        return f"{FLOW}/{process.pk}/transfer/{task.pk}/detail/"
    raise AssertionError(page)


# --- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "page", "which", "expected"), [_cell(*c) for c in MATRIX])
def test_scoping_matrix(world, client, stub_pdf, username, page, which, expected):
    role = ROLE[username]
    client.force_login(User.objects.get(username=username))
    if page == "chart":
        response = client.get(f"{FLOW}/chart/")
        assert response.status_code == 200, f"{role.label}: sơ đồ quy trình phải mở được"
        return
    dossier = world.dossier_for(role, page, which)
    unit = "đơn vị mình" if which == "own" else "đơn vị khác"
    where = f"{role.label} ({username}), {page}, hồ sơ {dossier} của {unit}"

    if expected in (OK, HIDDEN, FORBIDDEN) or page == "admin_change":
        url = _dossier_url(page, dossier)
        response = client.get(url)
        if expected == ADMIN_LOGIN:
            assert response.status_code == 302, f"{where}: phải chuyển về trang đăng nhập quản trị"
            assert response["Location"].startswith("/admin/login/"), where
            return
        assert response.status_code == int(expected), (
            f"{where}: {url} phải trả {expected}, nhận {response.status_code}"
        )
        if expected == OK and page.startswith("form:"):
            assert response.content.startswith(b"%PDF"), where
            assert stub_pdf == [(dossier.pk, page.removeprefix("form:"))], where
        if expected == OK and page in ("detail", "process", "admin_change", "audit_trail"):
            assert str(dossier) in response.content.decode(), f"{where}: trang phải ghi mã hồ sơ"
        return

    key = (username, page)
    if key not in world.listings:
        world.listings[key] = _listing(world, client, page)
    status, listed, location = world.listings[key]
    if expected == ADMIN_LOGIN:
        assert status == 302 and location.startswith("/admin/login/"), where
        return
    assert status == 200, f"{where}: trang phải mở được, nhận {status}"
    dossier_key = next(k for k, d in world.dossiers.items() if d.pk == dossier.pk)
    if expected == LISTED:
        assert dossier_key in listed, f"{where}: trang phải liệt kê hồ sơ này"
    else:
        assert dossier_key not in listed, f"{where}: trang KHÔNG được liệt kê hồ sơ này"


# --- forms rendered for real ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FORM_DOSSIERS))
def test_forms_render_for_a_viewer_who_may_see_them(world, client, kind):
    """The matrix stubs WeasyPrint; here each form is printed once, for real, to the head of
    the unit handling the dossier, and carries that dossier."""
    dossier = world.dossiers[FORM_DOSSIERS[kind][ENV]]
    client.force_login(User.objects.get(username="truongphong"))
    response = client.get(f"/workflow/dossiers/{dossier.pk}/forms/{kind}.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF"), kind
    text = _squash(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    )
    assert _squash(dossier.code or dossier.applicant_name) in text, (
        f"Phiếu {kind} phải in hồ sơ {dossier} ({dossier.applicant_name})"
    )


# --- seeing is not acting ---------------------------------------------------------------------

#: (action, dossier, workflow node): POSTs that would change a dossier.
CHANGING_POSTS = [
    ("apology", "env_assign", None),
    ("apology", "water_assign", None),
    ("receive", None, None),
    ("assign", "env_transfer", "transfer"),
    ("execute", "env_transfer", "transfer"),
    ("assign", "env_assign", "assign"),
    ("execute", "env_assign", "assign"),
    ("assign", "water_assign", "assign"),
    ("execute", "water_assign", "assign"),
    ("execute", "env_appraise", "appraise"),
    ("unassign", "env_appraise", "appraise"),
    ("assign", "env_review", "review"),
    ("execute", "env_review", "review"),
    ("assign", "env_approve", "approve"),
    ("execute", "env_approve", "approve"),
    ("assign", "env_issue", "issue"),
    ("execute", "env_issue", "issue"),
    ("assign", "env_return", "return_result"),
    ("execute", "env_return", "return_result"),
    ("assign", "env_supplement", "supplement"),
    ("execute", "env_supplement", "supplement"),
    ("undo", "env_assign", "transfer"),
    ("cancel", "env_assign", "assign"),
    ("cancel_process", "env_assign", None),
    ("fee_pay", "env_assign", None),
    ("fee_waive", "env_assign", None),
    ("fee_adjust", "env_assign", None),
    ("rating", "env_done", None),
    ("admin_change", "env_assign", None),
]
#: The internal auditor and the quality manager see every dossier but hold no step of its
#: internal process; a specialist of another unit does not even see the environment unit's.
OUTSIDERS = ["danhgia", "thuky", "chuyenvien.nuoc"]


def _step_data(node, dossier):
    handler = "chuyenvien.nuoc" if dossier.handling_unit.code == WATER else "chuyenvien"
    return {
        "transfer": {"note": ""},
        "assign": {"handler": User.objects.get(username=handler).pk},
        "appraise": {"decision": "propose_grant", "opinion": "Đủ điều kiện"},
        "review": {"decision": "agree"},
        "approve": {"decision": "approve", "password": DEMO_PASSWORD},
        "issue": {"number": "99/GP-STNMT", "date": timezone.localdate().isoformat()},
        "return_result": {"note": "Trả trực tiếp"},
        "supplement": {"note": "Đã nhận bổ sung"},
    }[node]


def _state():
    """Everything a refused POST must leave as it was."""
    return (
        list(
            Dossier.objects.order_by("pk").values_list(
                "pk", "status", "code", "due_at", "handler_id", "finished_at", "returned_at"
            )
        ),
        list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id", "finished")),
        list(Process.objects.order_by("pk").values_list("pk", "status", "finished")),
        list(DossierFee.objects.order_by("pk").values_list("pk", "status", "amount")),
        list(Dossier.objects.order_by("pk").values_list("pk", "rating")),
        DossierOpinion.objects.count(),
        Apology.objects.count(),
        SupplementRequest.objects.count(),
    )


def _desk_post(action, dossier) -> tuple[str, dict]:
    """URL and valid data of the desk's fee and rating actions on ``dossier``."""
    if action == "rating":
        url = f"/workflow/dossiers/{dossier.pk}/rating/"
        return url, {"rating": 3, "channel": "desk", "comment": "Nhanh, gọn"}
    fee = dossier.fees.get(status="due")
    verb = action.removeprefix("fee_")
    data = {
        "pay": {"channel": "desk", "receipt_number": "BL-0099"},
        "waive": {"reason": "Hộ nghèo theo quy định"},
        "adjust": {"amount": 1000, "reason": "Điều chỉnh theo nghị quyết"},
    }[verb]
    return f"/workflow/dossiers/{dossier.pk}/fees/{fee.pk}/{verb}/", data


@pytest.mark.parametrize("username", OUTSIDERS)
@pytest.mark.parametrize(("action", "key", "node"), CHANGING_POSTS)
def test_outsiders_cannot_change_a_dossier(world, client, username, action, key, node):
    client.force_login(User.objects.get(username=username))
    dossier = world.dossiers[key] if key else None
    where = f"{ROLE[username].label} ({username}) POST {action} {dossier or ''} {node or ''}"
    data = {}
    if action == "apology":
        url = f"/workflow/dossiers/{dossier.pk}/apology/"
        data = {"reason": "Thử", "new_due_date": "2099-12-31"}
    elif action == "receive":
        procedure = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")
        url = f"{FLOW}/receive/?procedure={procedure.pk}"
        data = {
            "applicant_kind": 1,
            "applicant_name": "Người thử",
            "applicant_address": "Sóc Trăng",
            "summary": "Thử",
            "sets": 1,
            "channel": 1,
            "delivery": "desk",
            "decision": "received",
        }
        for component in procedure.versions.get().components.all():
            data[f"doc_{component.pk}_present"] = "on"
            data[f"doc_{component.pk}_originals"] = 1
    elif action == "cancel_process":
        url = f"{FLOW}/{_process(dossier).pk}/cancel/"
    elif action == "admin_change":
        url = f"/admin/procedures/dossier/{dossier.pk}/change/"
        data = {"status": "returned", "applicant_name": "Đã sửa"}
    elif action.startswith("fee_") or action == "rating":
        url, data = _desk_post(action, dossier)
    else:
        task = Task.objects.filter(process=_process(dossier), flow_task=getattr(DossierFlow, node))
        task = task.latest("pk")
        url = f"{FLOW}/{task.process_id}/{node}/{task.pk}/{action}/"
        if action == "execute":
            data = _step_data(node, dossier)
    before = _state()
    response = client.post(url, data)
    if action == "admin_change":
        assert response.status_code == 302, where
        assert response["Location"].startswith("/admin/login/"), where
    else:
        assert response.status_code in (403, 404), (
            f"{where}: phải bị từ chối (403/404), nhận {response.status_code}"
        )
    assert _state() == before, f"{where}: không được thay đổi hồ sơ, bước hay quy trình nào"


# --- found while building the matrix ----------------------------------------------------------


def test_task_list_next_page_opens(world, client):
    client.force_login(User.objects.get(username="giamdoc"))
    first = client.get(f"{FLOW}/tasks/")
    assert first.context["page_obj"].has_next(), "Bản trình diễn có hơn 25 bước"
    assert "?page=2" in first.content.decode()
    assert client.get(f"{FLOW}/tasks/", {"page": 2}).status_code == 200


#: The same POSTs by the step's owner do change the dossier (so the refusals above are not an
#: artefact of a wrong URL or form).
OWNER_POSTS = [
    ("truongphong", "apology", "env_assign", None),
    ("truongphong.nuoc", "assign", "water_assign", "assign"),
    ("truongphong", "execute", "env_assign", "assign"),
    ("chuyenvien", "execute", "env_appraise", "appraise"),
    ("giamdoc", "execute", "env_approve", "approve"),
    ("vanthu", "execute", "env_issue", "issue"),
    ("motcua", "execute", "env_supplement", "supplement"),
    ("motcua", "fee_pay", "env_assign", None),
    ("motcua", "fee_waive", "env_assign", None),
    ("motcua", "rating", "env_done", None),
]


@pytest.mark.parametrize(("username", "action", "key", "node"), OWNER_POSTS)
def test_the_step_owner_can(world, client, username, action, key, node):
    client.force_login(User.objects.get(username=username))
    dossier = world.dossiers[key]
    before = _state()
    if action.startswith("fee_") or action == "rating":
        response = client.post(*_desk_post(action, dossier))
    elif action == "apology":
        new_day = WorkingCalendar.load().add_working_days(timezone.localdate(dossier.due_at), 3)
        response = client.post(
            f"/workflow/dossiers/{dossier.pk}/apology/",
            {"reason": "Chờ ý kiến phối hợp", "new_due_date": new_day.isoformat()},
        )
    else:
        task = Task.objects.filter(
            process=_process(dossier),
            flow_task=getattr(DossierFlow, node),
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        ).get()
        base = f"{FLOW}/{task.process_id}/{node}/{task.pk}"
        if action == "execute" and task.status == STATUS.NEW:
            assert client.post(f"{base}/assign/").status_code == 302
        data = _step_data(node, dossier) if action == "execute" else {}
        response = client.post(f"{base}/{action}/", data)
    assert response.status_code == 302, f"{username} {action} {dossier}: {response.status_code}"
    assert _state() != before, f"{username} {action} {dossier}: phải thay đổi hồ sơ"
