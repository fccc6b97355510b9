"""Browser end-to-end tests: Playwright drives Debian's headless Chromium against
pytest-django's ``live_server``; people sign in through the real login page and do their work
by clicking and filling the real pages.

* No browser is ever downloaded: the system's ``chromium`` is launched (``.ci/run`` installs
  it). Without it, or without the ``playwright`` package, every test here is skipped with the
  reason, so the rest of the suite still runs.
* Chromium is started without background networking (it would hang on a closed network).
* ``live_server`` is transactional: each test loads the demo department itself, and the
  one-stop regimes and forms that migration ``procedures.0002`` seeds (which the flush after a
  transactional test removes) are put back before each test and after each module.
* Playwright's sync API runs an event loop in the test thread, hence
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` for the ORM calls the tests make there.
* Every page a person sees is checked: ``<html lang="vi">``, no common English interface word
  of viewflow left untranslated, no other English (the pager's "1-5 of 5", time spans, viewflow's
  notice of an app without a menu), no raw value (True/False/None, an ISO date, a record
  reference such as ``internal_audits.finding:28``), no JavaScript console error, no HTTP 5xx
  response: any of them fails the test. Each step leaves a full-page screenshot under
  ``var/screenshots/<test>/<NN>-<step>.png``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "var" / "screenshots"

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
try:
    importlib.import_module("playwright.sync_api")
except ImportError:  # pragma: no cover - depends on the machine
    PLAYWRIGHT = False
else:
    PLAYWRIGHT = True

SKIP_REASON = (
    "Kiểm thử trình duyệt cần Chromium của hệ thống (apt-get install chromium) và gói Python "
    "playwright; không tải trình duyệt về."
)

#: viewflow's English interface words that must never reach a Vietnamese page.
ENGLISH_WORDS = [
    "Submit",
    "Cancel",
    "Assign",
    "Unassign",
    "Inbox",
    "Queue",
    "Archive",
    "Save",
    "Delete",
    "Search",
    "Filter",
    "Logout",
    "Log out",
    "Profile",
    "Dashboard",
    "Process",
    "Processes",
    "Tasks",
    "Next",
    "Previous",
    "Actions",
    "Close",
    "Done",
    "Login",
]
ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")\b")
#: Further English that is not viewflow's interface wording: the pager's "1-5 of 5" (our
#: override of viewflow's ``list_pagination.html`` writes "1–5 trên 5"), Django's time spans.
OTHER_ENGLISH_WORDS = [
    "of",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "ago",
]
OTHER_ENGLISH = re.compile(
    r"\b(?:" + "|".join(OTHER_ENGLISH_WORDS) + r")\b|No viewsets found"  # viewflow's empty app menu
)
#: Values shown raw instead of the Vietnamese way: a yes/no field ("Có"/"Không"), an empty value,
#: an ISO date (dd/mm/YYYY), a record reference kept for the system ("procedures.dossier:12").
RAW_VALUES = re.compile(r"\b(?:True|False|None)\b|\b\d{4}-\d{2}-\d{2}\b|\b[a-z_]+\.[a-z_]+:\d+\b")
#: The frameworks' names, which the users' pages never show (viewflow's "Viewflow Demo suite" on
#: the login page, "Django Material" as the title of a page outside the Site).
FRAMEWORK_NAMES = re.compile(r"\b(?:Viewflow|Django)\b", re.IGNORECASE)
#: What a list's pager says (viewflow's "1-25 of 120"; ours "1–25 trên 120").
PAGER = re.compile(r"\d+–\d+ trên \d+")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM and PLAYWRIGHT:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item: a failed test leaves a picture of every
    person's browser (see ``office``)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Translations -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def compiled_catalogues(tmp_path_factory):
    """The project's catalogues compiled from their ``.po`` files as they are now, into a
    temporary directory (compiled ``.mo`` files are not in the repository and may be stale):
    the pages are checked in the language the users get."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from django.conf import settings

    target = tmp_path_factory.mktemp("locale")
    paths = []
    for index, locale_path in enumerate(settings.LOCALE_PATHS):
        source = Path(locale_path)
        compiled = target / str(index)
        for po in source.glob("*/LC_MESSAGES/*.po"):
            mo = compiled / po.relative_to(source).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as src:
                catalogue = read_po(src, locale=po.parts[-3])
            with mo.open("wb") as out:
                write_mo(out, catalogue, use_fuzzy=False)
        paths.append(str(compiled))
    return paths


@pytest.fixture
def vietnamese(compiled_catalogues):
    """For one test, Django (and so the live server) translates with those catalogues."""
    from django.test import override_settings

    with override_settings(LOCALE_PATHS=compiled_catalogues):
        yield


# Data ---------------------------------------------------------------------------------------


def restore_migration_data():
    """Put back what data migrations seed (the flush after a transactional test removes it)."""
    from django.apps import apps

    seed = importlib.import_module("procedures.migrations.0002_regimes_and_forms")
    seed.load(apps, None)


@pytest.fixture(scope="module", autouse=True)
def _async_unsafe_orm_allowed():
    """Only while the browser tests of a module run (their Chromium, hence Playwright's event
    loop, lives as long as the module): set for the whole session it would leak into every
    subprocess the other tests start (a production ``check --deploy`` refuses it)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module", autouse=True)
def _migration_data_after_module(django_db_blocker):
    """After the last test of a module has been flushed away, the next modules (of any
    directory) find the seeded regimes and forms again."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture
def department(live_server, vietnamese):
    """The demo department (units, accounts) with its procedure catalogue."""
    from procedures.demo import load_demo_catalogue
    from qms.core.demo import load_demo

    restore_migration_data()
    demo = load_demo()
    load_demo_catalogue(agency=demo["agency"])
    return demo


# Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module, stopped at its end: Playwright's event loop must not outlive
    the browser tests (Django refuses ORM calls while a loop runs in the thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class PageProblems(AssertionError):
    pass


#: Marks the end of a page change: a full load gives a new ``window`` (the token is gone), a
#: Turbo visit or form submission fires ``turbo:load`` once the new page is rendered.
PAGE_CHANGE_SCRIPT = """
document.addEventListener("turbo:load", () => { window.__qmsRendered = window.__qmsToken; });
"""


class Person:
    """One member of staff at their own browser window, signed in through the login page."""

    def __init__(self, office, username, context):
        self.office = office
        self.username = username
        self.context = context
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"JS: {error}"))
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console ({self.page.url}): {message.text}")

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    # Navigation --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.office.base_url + path

    def goto(self, path: str):
        self.page.goto(self.url(path))
        self.check()
        return self

    def navigate(self, action):
        """Do ``action`` (a click, a submit) and wait until the page it leads to is shown,
        whether the browser loads a new document or Turbo renders the new page in place."""
        page = self.page
        token = page.evaluate("() => (window.__qmsToken = String(Math.random()))")
        action()
        page.wait_for_function(
            "t => window.__qmsToken !== t || window.__qmsRendered === t", arg=token
        )
        page.wait_for_load_state("load")
        self.check()
        return self

    def click(self, name: str, *, role: str = "link", exact: bool = False, within=None):
        """Follow the link (or press the button) called ``name``."""
        scope = within if within is not None else self.page
        target = scope.get_by_role(role, name=name, exact=exact).first
        return self.navigate(target.click)

    def press(self, name: str, *, within=None):
        return self.click(name, role="button", within=within)

    def sign_in(self, password):
        page = self.page
        page.goto(self.url("/accounts/login/"))
        self.shot("dang-nhap")
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", password)
        self.navigate(page.locator("form [type=submit]").first.click)
        assert "/accounts/login/" not in page.url, f"{self.username} không đăng nhập được"
        return self

    def shot(self, step: str):
        """Check the page a person sees now and keep its picture."""
        self.office.counter += 1
        directory = SCREENSHOTS / self.office.test_name
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{self.office.counter:02d}-{self.username}-{step}.png"
        self.page.screenshot(path=str(directory / name), full_page=True)
        self.check(name)
        return self

    def check(self, step: str = ""):
        page = self.page
        where = f"{step} ({page.url})"
        lang = page.locator("html").get_attribute("lang")
        body = page.inner_text("body")
        english = sorted(set(ENGLISH.findall(body)))
        english += sorted({match.group(0) for match in OTHER_ENGLISH.finditer(body)})
        raw = sorted({match.group(0) for match in RAW_VALUES.finditer(body)})
        frameworks = sorted(set(FRAMEWORK_NAMES.findall(f"{page.title()}\n{body}")))
        pagers = page.locator(".vf-list__pagination-summary").all_inner_texts()
        pagers = [text.strip() for text in pagers if not PAGER.fullmatch(text.strip())]
        problems, self.problems = self.problems, []
        if lang != "vi":
            problems.append(f'<html lang="{lang}">, không phải "vi"')
        if english:
            problems.append(f"Chữ tiếng Anh chưa dịch: {', '.join(english)}")
        if raw:
            problems.append(f"Giá trị thô chưa trình bày cho người đọc: {', '.join(raw)}")
        if frameworks:
            problems.append(f"Tên khung phần mềm hiện cho người dùng: {', '.join(frameworks)}")
        if pagers:
            problems.append(f"Dòng phân trang không đúng dạng “1–25 trên 120”: {pagers}")
        if problems:
            raise PageProblems(f"{self.username} — {where}:\n  " + "\n  ".join(problems))

    # Reading -----------------------------------------------------------------------------

    def text(self) -> str:
        return self.page.inner_text("body")


class Office:
    """The people of one test, each at their own browser (fresh contexts, closed at the end)."""

    def __init__(self, browser, base_url, test_name, password):
        self.browser = browser
        self.base_url = base_url
        self.test_name = test_name
        self.password = password
        self.people: dict[str, Person] = {}
        self.counter = 0
        shutil.rmtree(SCREENSHOTS / test_name, ignore_errors=True)

    def __call__(self, username) -> Person:
        """``username`` at their browser, signing in through the login page the first time."""
        if username not in self.people:
            context = self.browser.new_context(
                locale="vi-VN",
                timezone_id="Asia/Ho_Chi_Minh",
                viewport={"width": 1366, "height": 900},
                accept_downloads=True,
            )
            context.set_default_timeout(30_000)
            context.add_init_script(PAGE_CHANGE_SCRIPT)
            person = Person(self, username, context)
            self.people[username] = person
            person.sign_in(self.password)
        return self.people[username]

    def picture_on_failure(self):
        directory = SCREENSHOTS / self.test_name
        directory.mkdir(parents=True, exist_ok=True)
        for username, person in self.people.items():
            with contextlib.suppress(Exception):
                person.page.screenshot(
                    path=str(directory / f"zz-loi-{username}.png"), full_page=True
                )

    def close(self):
        for person in self.people.values():
            person.context.close()


@pytest.fixture
def office(browser, live_server, department, request):
    from qms.core.demo import DEMO_PASSWORD

    office = Office(browser, live_server.url, request.node.name, DEMO_PASSWORD)
    yield office
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        office.picture_on_failure()
    office.close()
