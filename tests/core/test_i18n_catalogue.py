"""The translation catalogues are complete and consistent.

* ``locale/viewflow/vi``: every string viewflow marks for translation (extracted here, at test
  time, from the installed package's Python files and templates, the way ``makemessages`` does),
  plus the labels listed in ``locale/viewflow/extras.pot`` that viewflow renders through
  ``{% trans label %}`` without marking them, has a Vietnamese translation, and Django serves it.
* ``locale/en``: every one of our own (Vietnamese) msgids has an English translation.
* In every catalogue the placeholders of each translation match those of its msgid.

The compiled ``.mo`` files are not committed; the fixture below compiles the catalogues when a
``.mo`` is missing or older than its ``.po``.

Note for ``makemessages``: this module never passes a literal string to a gettext function, so
it adds nothing to our own catalogues.
"""

import ast
import contextlib
import gettext as gettext_module
import importlib.util
import io
import re
import shutil
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from babel.messages import mofile, pofile
from babel.messages.catalog import Catalog
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation
from django.utils.translation.template import templatize

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
VIEWFLOW_VI_PO = LOCALE_DIR / "viewflow" / "vi" / "LC_MESSAGES" / "django.po"
VIEWFLOW_EXTRAS_POT = LOCALE_DIR / "viewflow" / "extras.pot"
PROJECT_EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
PROJECT_VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"
ALL_PO = (VIEWFLOW_VI_PO, PROJECT_EN_PO, PROJECT_VI_PO)

VIEWFLOW_DIR = Path(importlib.util.find_spec("viewflow").submodule_search_locations[0])

#: viewflow msgids whose Vietnamese text is rightly the same as the English one.
IDENTICAL_IN_VIETNAMESE = {
    "#",
    "%(label)s %(name)s",  # "<transition> <model>": same word order in Vietnamese
    "AM/PM",  # the time-input placeholder must match what the field parses
    "BPMN",
    "PNG",
    "Token",  # the workflow token, a technical loanword
}


class MsgKey(NamedTuple):
    context: str | None
    msgid: str
    plural: str | None = None


# --- Extraction: what `makemessages` would find in the installed viewflow ---------------------

# The gettext keywords `makemessages` hands xgettext (xgettext's Python defaults plus Django's):
# name -> (position of the context or None, position of msgid, position of msgid_plural or None)
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ugettext": (None, 0, None),
    "ugettext_lazy": (None, 0, None),
    "ugettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "ungettext": (None, 0, 1),
    "ungettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
TEMPLATIZED_CALL = re.compile(r"(?<![\w.])(" + "|".join(KEYWORDS) + r")\(")


def _key(name: str, args: list[str]) -> MsgKey | None:
    context_at, msgid_at, plural_at = KEYWORDS[name]
    needed = max(i for i in (context_at, msgid_at, plural_at) if i is not None)
    if len(args) <= needed:
        return None
    return MsgKey(
        None if context_at is None else args[context_at],
        args[msgid_at],
        None if plural_at is None else args[plural_at],
    )


def _python_msgids(path: Path) -> Iterator[MsgKey]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        args = []
        for arg in node.args:  # the leading string literals, as xgettext reads them
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            args.append(arg.value)
        if key := _key(name, args):
            yield key


def _template_msgids(path: Path) -> Iterator[MsgKey]:
    """Templatize as `makemessages` does, then read the gettext calls it writes."""
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in TEMPLATIZED_CALL.finditer(code):
        args = []
        tokens = tokenize.generate_tokens(io.StringIO(code[match.end() :]).readline)
        with contextlib.suppress(tokenize.TokenError, SyntaxError):
            for token in tokens:
                if token.type == tokenize.STRING:
                    args.append(ast.literal_eval(token.string))
                elif not (token.type == tokenize.OP and token.string == ","):
                    break
        if key := _key(match[1], args):
            yield key


def by_repr(keys) -> list:
    return sorted(keys, key=repr)


def viewflow_msgids() -> set[MsgKey]:
    found = set()
    for path in sorted(VIEWFLOW_DIR.rglob("*")):
        parts = path.relative_to(VIEWFLOW_DIR).parts
        if not path.is_file() or parts[0] in ("locale", "static") or "__pycache__" in parts:
            continue
        if path.suffix == ".py":
            found.update(_python_msgids(path))
        elif parts[0] == "templates" or path.suffix in (".html", ".txt"):
            found.update(_template_msgids(path))
    return found


# --- Catalogues -------------------------------------------------------------------------------


def read_po(path: Path) -> Catalog:
    with path.open("rb") as po:
        return pofile.read_po(po, abort_invalid=True)


def messages(catalog: Catalog):
    """The catalogue's entries, without its header."""
    return [message for message in catalog if message.id]


def msg_key(message) -> MsgKey:
    if isinstance(message.id, tuple):
        return MsgKey(message.context, *message.id)
    return MsgKey(message.context, message.id)


def translations(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _compile_with_babel(po: Path) -> None:
    with po.with_suffix(".mo").open("wb") as mo:
        mofile.write_mo(mo, read_po(po), use_fuzzy=False)


@pytest.fixture(scope="session")
def compiled_catalogues():
    """Compile the catalogues whose ``.mo`` is missing or stale, then make Django reload them."""
    stale = [
        po
        for po in ALL_PO
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return
    if shutil.which("msgfmt"):
        errors = io.StringIO()
        try:
            with contextlib.chdir(settings.BASE_DIR):
                call_command(
                    "compilemessages",
                    locale=["vi", "en"],
                    ignore_patterns=[".venv", "var", ".git", "node_modules", "staticfiles"],
                    verbosity=0,
                    stderr=errors,
                )
        except CommandError as error:
            pytest.fail(f"{error}\n{errors.getvalue()}", pytrace=False)
    else:  # the same fallback as `make messages`
        for po in stale:
            _compile_with_babel(po)
    # Forget catalogues loaded before the compilation: Python's cache of .mo files, then
    # Django's (its setting_changed receiver for LOCALE_PATHS resets the translation caches).
    for cache_key in list(getattr(gettext_module, "_translations", {})):
        if str(LOCALE_DIR) in str(cache_key[1]):
            del gettext_module._translations[cache_key]
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        pass


def served(message_key: MsgKey, n: int = 1) -> str:
    """What Django answers for this msgid in the active language."""
    context, msgid, plural = message_key
    if plural is None:
        if context is None:
            return translation.gettext(msgid)
        return translation.pgettext(context, msgid)
    if context is None:
        return translation.ngettext(msgid, plural, n)
    return translation.npgettext(context, msgid, plural, n)


# --- viewflow in Vietnamese -------------------------------------------------------------------


def wanted_viewflow_msgids() -> set[MsgKey]:
    """What viewflow marks for translation, and the unmarked strings it translates."""
    return viewflow_msgids() | {msg_key(m) for m in messages(read_po(VIEWFLOW_EXTRAS_POT))}


def test_extraction_finds_viewflow_strings():
    """Guard against the extractor quietly finding nothing, which would pass everything below."""
    found = viewflow_msgids()
    assert len(found) > 100
    for expected in [
        MsgKey(None, "Inbox"),  # workflow/flow/views/list.py
        MsgKey(None, "Log out"),  # templates/viewflow/base_page.html
        MsgKey("STATUS", "Done"),  # workflow/status.py
    ]:
        assert expected in found
    plurals = {key.msgid.strip() for key in found if key.plural}
    assert "This process can not be canceled while a task is still in progress." in plurals


def test_every_viewflow_msgid_has_a_vietnamese_entry():
    catalog = read_po(VIEWFLOW_VI_PO)
    entries = {msg_key(message): message for message in messages(catalog)}
    wanted = wanted_viewflow_msgids()
    missing = by_repr(key for key in wanted if key not in entries)
    assert not missing, f"not in {VIEWFLOW_VI_PO.relative_to(settings.BASE_DIR)}: {missing}"
    untranslated = by_repr(
        key
        for key in wanted
        if entries[key].fuzzy or not all(text.strip() for text in translations(entries[key]))
    )
    assert not untranslated, f"empty or fuzzy: {untranslated}"


@pytest.mark.usefixtures("compiled_catalogues")
def test_django_serves_our_vietnamese_for_viewflow_strings():
    catalog = read_po(VIEWFLOW_VI_PO)
    assert catalog.locale_identifier == "vi"
    assert catalog.num_plurals == 1
    entries = {msg_key(message): message for message in messages(catalog)}
    wrong = []
    with translation.override("vi"):
        for key in by_repr(wanted_viewflow_msgids() & entries.keys()):
            expected = translations(entries[key])[0]
            for n in (1, 2, 5) if key.plural else (1,):
                answer = served(key, n)
                if answer != expected:
                    wrong.append((key, n, answer, expected))
                elif answer == key.msgid and key.msgid not in IDENTICAL_IN_VIETNAMESE:
                    wrong.append((key, n, answer, "a Vietnamese text"))
    assert not wrong, "\n".join(
        f"{key} n={n}: got {got!r}, want {want!r}" for key, n, got, want in wrong
    )


@pytest.mark.usefixtures("compiled_catalogues")
def test_workflow_status_names_are_vietnamese():
    from viewflow.workflow.status import PROCESS, STATUS

    for choices in (STATUS, PROCESS):
        with translation.override("en"):
            english = {value: str(label) for value, label in choices.choices}
        with translation.override("vi"):
            vietnamese = {value: str(label) for value, label in choices.choices}
        assert all(vietnamese[value] != english[value] for value in english), vietnamese


@pytest.mark.usefixtures("compiled_catalogues")
def test_viewflow_work_lists_use_our_words():
    """The department's words for viewflow's lists, as the menus and page titles show them."""
    expected = {
        "Inbox": "Việc của tôi",
        "Queue": "Việc chờ nhận",
        "Archive": "Việc đã xử lý",
        "Assign": "Nhận việc",
        "Unassign": "Trả lại việc",
    }
    with translation.override("vi"):
        assert {msgid: translation.gettext(msgid) for msgid in expected} == expected


# --- our own strings in English ---------------------------------------------------------------


def test_english_catalogue_is_complete():
    catalog = read_po(PROJECT_EN_PO)
    assert catalog.locale_identifier == "en"
    entries = messages(catalog)
    assert entries, "makemessages found none of our strings"
    fuzzy = [message.id for message in entries if message.fuzzy]
    empty = [message.id for message in entries if not all(translations(message))]
    assert not fuzzy, f"fuzzy entries in {PROJECT_EN_PO.name}: {fuzzy}"
    assert not empty, f"untranslated entries in {PROJECT_EN_PO.name}: {empty}"


@pytest.mark.usefixtures("compiled_catalogues")
def test_django_serves_our_english():
    entries = messages(read_po(PROJECT_EN_PO))
    wrong = []
    with translation.override("en"):
        for message in entries:
            key = msg_key(message)
            forms = translations(message)
            for n, expected in ((1, forms[0]), (2, forms[-1])) if key.plural else ((1, forms[0]),):
                if (answer := served(key, n)) != expected:
                    wrong.append(f"{key} n={n}: got {answer!r}, want {expected!r}")
    assert not wrong, "\n".join(wrong)


def test_our_vietnamese_and_english_catalogues_list_the_same_strings():
    """Both come from one `makemessages` run; a msgid in only one means one is out of date."""
    english = {msg_key(message) for message in messages(read_po(PROJECT_EN_PO))}
    vietnamese = {msg_key(message) for message in messages(read_po(PROJECT_VI_PO))}
    assert by_repr(english - vietnamese) == [], "missing from locale/vi: regenerate it"
    assert by_repr(vietnamese - english) == [], "missing from locale/en: regenerate it"


# --- placeholders -----------------------------------------------------------------------------

PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])"
)
NAMED_PERCENT = re.compile(r"%\([^)]*\)")
BRACE = re.compile(r"(?<!\{)\{(?P<field>[A-Za-z_]\w*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def placeholders(text: str, percent: bool) -> tuple[frozenset, tuple, frozenset, int]:
    """(named %-keys, positional %-conversions, brace fields, automatic {} count)."""
    named, positional = set(), []
    if percent:
        for match in PERCENT.finditer(text):
            if match["conv"] == "%":
                continue
            if match["key"] is not None:
                named.add(match["key"])
            else:
                positional.append(match["conv"])
    fields = [match["field"] for match in BRACE.finditer(text)]
    return frozenset(named), tuple(positional), frozenset(f for f in fields if f), fields.count("")


def placeholder_mismatches(path: Path) -> list[str]:
    problems = []
    for message in messages(read_po(path)):
        if message.fuzzy:
            continue  # not compiled; the completeness tests report it
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        percent = "python-format" in message.flags or any(
            NAMED_PERCENT.search(text) for text in (*ids, *translations(message))
        )
        wanted = [placeholders(text, percent) for text in ids]
        for text in translations(message):
            if not text:
                continue  # untranslated: falls back to the msgid
            named, positional, fields, auto = placeholders(text, percent)
            if len(ids) == 1:
                ok = (named, positional, fields, auto) == wanted[0]
            else:  # a plural form may use the placeholders of either the singular or the plural
                ok = (
                    named <= frozenset().union(*(w[0] for w in wanted))
                    and positional in {w[1] for w in wanted}
                    and fields <= frozenset().union(*(w[2] for w in wanted))
                    and auto in {w[3] for w in wanted}
                )
            if not ok:
                problems.append(f"{ids[0]!r} -> {text!r}")
    return problems


@pytest.mark.parametrize("path", ALL_PO, ids=lambda path: str(path.relative_to(LOCALE_DIR)))
def test_placeholders_match(path):
    assert not placeholder_mismatches(path)


def test_placeholder_check_catches_a_mistake():
    assert placeholders("Task {task} has been assigned.", False) != placeholders(
        "Đã nhận công việc {tas}.", False
    )
    assert placeholders("Process #%(pk)s can not be canceled.", True) != placeholders(
        "Không thể hủy hồ sơ #%(pk).", True
    )
