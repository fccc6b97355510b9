"""Writes of the procedure catalogue: fields, procedures and their versions with fees, dossier
components and internal process (quy trình nội bộ).

Every service validates everything before it writes anything, saves only what changed (so that
saving the same content twice leaves no history row), and goes through ``save()`` and
``delete()`` on instances so that simple-history records each change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qms.core import auditlog
from qms.core.models import Agency, OrgUnit, User

from ..models import (
    DossierComponent,
    FeeItem,
    FormTemplate,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    ProcessStep,
    Regime,
)

CATALOGUE_SAVE = auditlog.action("catalogue.save", gettext_lazy("Cập nhật danh mục TTHC"))
VERSION_SAVE = auditlog.action(
    "procedure_version.save", gettext_lazy("Lưu phiên bản thủ tục và quy trình nội bộ")
)

#: What a version's content is made of (``procedure`` and ``version`` identify it).
VERSION_FIELDS = (
    "valid_from",
    "valid_to",
    "legal_basis",
    "publication_decision",
    "publication_date",
    "internal_process_decision",
    "online_level",
    "time_limit_value",
    "time_limit_unit",
    "time_limit_note",
    "result_name",
    "requires_paper_result",
    "handling_unit",
)
FEE_FIELDS = ("kind", "name", "amount", "note")
COMPONENT_FIELDS = ("order", "name", "originals", "copies", "mandatory", "form_template")
STEP_FIELDS = (
    "order",
    "kind",
    "title",
    "responsible_unit",
    "responsible_role",
    "time_value",
    "time_unit",
)


class DraftError(NamedTuple):
    """A problem of a version draft: ``section`` is ``version``, ``fees``, ``components`` or
    ``steps``; ``index`` the 0-based position in the list given (None: the whole section)."""

    section: str
    index: int | None
    message: str


@dataclass
class VersionDraft:
    """A version and its rows built and validated in memory, nothing written."""

    version: ProcedureVersion
    fees: list[FeeItem]
    components: list[DossierComponent]
    steps: list[ProcessStep]
    existing: bool
    changed: bool = True
    errors: list[DraftError] = field(default_factory=list)


# --- helpers ------------------------------------------------------------------------------------


def validation_messages(instance, error: ValidationError) -> list[str]:
    """Flatten a model ValidationError into “<field label>: <message>” lines."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    lines = []
    for name, errors in error.message_dict.items():
        for message in errors:
            if name == NON_FIELD_ERRORS:
                lines.append(message)
            else:
                label = instance._meta.get_field(name).verbose_name
                lines.append(f"{str(label).capitalize()}: {message}")
    return lines


def _values(instance, names) -> tuple:
    return tuple(getattr(instance, instance._meta.get_field(n).attname) for n in names)


def _build(model, data: dict, allowed, **fixed):
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError(
            _("Trường không hợp lệ: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    return model(**fixed, **data)


def _check(instance, exclude=()) -> list[str]:
    try:
        # Constraints are checked separately (with Vietnamese messages) or, for the rows' unique
        # order, against the draft itself: the rows in the database are about to be replaced.
        instance.full_clean(exclude=list(exclude), validate_constraints=False)
    except ValidationError as error:
        return validation_messages(instance, error)
    return []


def _save(instance, *, actor, audit=True, reason=""):
    if actor is not None:
        instance._history_user = actor
    if reason:
        instance._change_reason = reason
    instance.full_clean()
    before = None
    if audit and instance.pk:
        previous = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = auditlog.snapshot(previous) if previous else None
    instance.save()
    if audit:
        old, new = auditlog.changes(before, auditlog.snapshot(instance))
        auditlog.record(
            actor=actor, action=CATALOGUE_SAVE, obj=instance, before=old or None, after=new
        )
    return instance


def _upsert(instance, *, actor, **values):
    """Set ``values`` on ``instance`` and save it only if something changed."""
    names = [f.name for f in instance._meta.concrete_fields if f.name != "id"]
    before = _values(instance, names) if instance.pk else None
    for name, value in values.items():
        setattr(instance, name, value)
    instance.full_clean()
    if before is not None and _values(instance, names) == before:
        return instance
    return _save(instance, actor=actor)


# --- fields, procedures, regimes, forms ---------------------------------------------------------


@transaction.atomic
def procedure_field_upsert(
    *, actor: User | None, code: str, name: str, handling_unit: OrgUnit | None
) -> ProcedureField:
    """Create or update the field (lĩnh vực) of code ``code``."""
    instance = ProcedureField.objects.filter(code=code).first() or ProcedureField(code=code)
    return _upsert(instance, actor=actor, name=name, handling_unit=handling_unit)


@transaction.atomic
def procedure_upsert(
    *,
    actor: User | None,
    key: str,
    code: str,
    name: str,
    field: ProcedureField,
    level: str,
    agency: Agency,
    is_demo_data: bool,
) -> Procedure:
    """Create or update the procedure of internal key ``key``."""
    instance = Procedure.objects.filter(key=key).first() or Procedure(key=key)
    return _upsert(
        instance,
        actor=actor,
        code=code,
        name=name,
        field=field,
        level=level,
        agency=agency,
        is_demo_data=is_demo_data,
    )


@transaction.atomic
def regime_save(*, actor: User | None, regime: Regime) -> Regime:
    return _save(regime, actor=actor)


@transaction.atomic
def form_template_save(*, actor: User | None, form_template: FormTemplate) -> FormTemplate:
    return _save(form_template, actor=actor)


# --- versions -----------------------------------------------------------------------------------


def _sorted_by_order(rows):
    return sorted(rows, key=lambda row: (row.order is None, row.order or 0))


def procedure_version_draft(
    *,
    procedure: Procedure,
    version_data: dict,
    fees: list[dict],
    components: list[dict],
    steps: list[dict],
    check_process: bool = True,
) -> VersionDraft:
    """Build ``procedure``'s version ``version_data["version"]`` with its rows in memory and
    collect every problem; nothing is written. ``procedure`` may be unsaved (an import checks
    a new procedure before creating it). ``check_process=False`` skips the check of the process
    as a whole, for a caller that already knows some steps could not be read."""
    data = dict(version_data)
    number = data.pop("version", None)
    existing = None
    if procedure.pk and number is not None:
        existing = ProcedureVersion.objects.filter(procedure=procedure, version=number).first()
    version = existing or ProcedureVersion(procedure=procedure, version=number)
    before = _values(version, VERSION_FIELDS) if existing else None
    errors = []
    unknown = set(data) - set(VERSION_FIELDS)
    if unknown:
        errors.append(
            DraftError(
                "version",
                None,
                _("Trường không hợp lệ: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            )
        )
    try:
        for name in set(data) & set(VERSION_FIELDS):
            setattr(version, name, data[name])
    except (TypeError, ValueError) as error:
        errors.append(DraftError("version", None, str(error)))
    else:
        exclude = [] if procedure.pk else ["procedure"]
        errors += [DraftError("version", None, m) for m in _check(version, exclude)]
    period = (version.valid_from, version.valid_to)
    if all(isinstance(d, dt.date) for d in period) and period[1] < period[0]:
        errors.append(
            DraftError("version", None, _("Ngày hết hiệu lực phải sau ngày có hiệu lực."))
        )

    version_ok = not errors

    def rows(section, model, items, allowed, numbered):
        """The rows built from ``items``; None in place of a row that has a problem."""
        built = []
        for index, item in enumerate(items):
            item = dict(item)
            if numbered and item.get("order") is None:
                item["order"] = index + 1
            try:
                row = _build(model, item, allowed, version=version)
            except ValidationError as error:
                problems = error.messages
            except (TypeError, ValueError) as error:
                problems = [str(error)]
            else:
                problems = _check(row, ["version"])
            errors.extend(DraftError(section, index, m) for m in problems)
            built.append(None if problems else row)
        return built

    fee_rows = rows("fees", FeeItem, fees, FEE_FIELDS, numbered=False)
    component_rows = rows(
        "components", DossierComponent, components, COMPONENT_FIELDS, numbered=True
    )
    step_rows = rows("steps", ProcessStep, steps, STEP_FIELDS, numbered=True)

    for section, built, label in (
        ("components", component_rows, _("Thứ tự %(order)s bị trùng.")),
        ("steps", step_rows, _("Bước %(order)s bị trùng.")),
    ):
        seen = set()
        for index, row in enumerate(built):
            if row is None or row.order is None:
                continue
            if row.order in seen:
                errors.append(DraftError(section, index, label % {"order": row.order}))
            seen.add(row.order)

    rows_ok = all(r is not None for r in fee_rows + component_rows + step_rows)
    # The process as a whole is judged only when the limit and every step could be read:
    # otherwise a missing or unreadable step would be reported twice.
    if check_process and version_ok and all(r is not None for r in step_rows):
        try:
            version.check_steps(_sorted_by_order(step_rows))
        except ValidationError as error:
            errors.extend(DraftError("steps", None, m) for m in error.messages)

    draft = VersionDraft(
        version=version,
        fees=fee_rows,
        components=_sorted_by_order(component_rows) if rows_ok else component_rows,
        steps=_sorted_by_order(step_rows) if rows_ok else step_rows,
        existing=existing is not None,
        errors=errors,
    )
    if existing and not errors:
        draft.changed = _values(version, VERSION_FIELDS) != before or _rows_changed(existing, draft)
        if draft.changed and existing.dossiers.exists():
            draft.errors.append(
                DraftError(
                    "version",
                    None,
                    _(
                        "Phiên bản %(version)s của thủ tục “%(procedure)s” đã được dùng cho hồ "
                        "sơ (hồ sơ giữ nguyên phiên bản khi tiếp nhận) nên không được sửa. Hãy "
                        "tạo phiên bản mới."
                    )
                    % {"version": number, "procedure": procedure.name},
                )
            )
    return draft


def _rows_changed(existing: ProcedureVersion, draft: VersionDraft) -> bool:
    old_fees = [_values(r, FEE_FIELDS) for r in existing.fees.order_by("id")]
    old_components = [_values(r, COMPONENT_FIELDS) for r in existing.components.order_by("order")]
    old_steps = [_values(r, STEP_FIELDS) for r in existing.steps.order_by("order")]
    return (
        old_fees != [_values(r, FEE_FIELDS) for r in draft.fees]
        or old_components != [_values(r, COMPONENT_FIELDS) for r in draft.components]
        or old_steps != [_values(r, STEP_FIELDS) for r in draft.steps]
    )


def draft_error_text(error: DraftError) -> str:
    """A draft error as one Vietnamese line, naming the row it is about."""
    if error.index is None:
        return error.message
    where = {
        "fees": _("Phí, lệ phí dòng %(n)s"),
        "components": _("Thành phần hồ sơ dòng %(n)s"),
        "steps": _("Bước quy trình dòng %(n)s"),
    }[error.section] % {"n": error.index + 1}
    return f"{where}: {error.message}"


def _replace_rows(old_rows, new_rows, names, *, key, actor, reason=""):
    """Make the saved rows equal to ``new_rows``: rows matched by ``key`` are updated when they
    differ, the others deleted or created, one instance at a time (history keeps each)."""
    old_by_key = {key(i, row): row for i, row in enumerate(old_rows)}
    new_keys = {key(i, row) for i, row in enumerate(new_rows)}
    for row_key, row in old_by_key.items():
        if row_key not in new_keys:
            if actor is not None:
                row._history_user = actor
            if reason:
                row._change_reason = reason
            row.delete()
    for index, new in enumerate(new_rows):
        old = old_by_key.get(key(index, new))
        if old is None:
            _save(new, actor=actor, audit=False, reason=reason)
        elif _values(old, names) != _values(new, names):
            for name in names:
                setattr(old, name, getattr(new, name))
            _save(old, actor=actor, audit=False, reason=reason)


def _version_record(version) -> dict:
    """A version with its rows, as the audit log keeps it."""
    if version.pk is None:
        return None
    record = auditlog.snapshot(version)
    record["fees"] = [auditlog.snapshot(r, fields=FEE_FIELDS) for r in version.fees.order_by("id")]
    record["components"] = [
        auditlog.snapshot(r, fields=COMPONENT_FIELDS) for r in version.components.order_by("order")
    ]
    record["steps"] = [
        auditlog.snapshot(r, fields=STEP_FIELDS) for r in version.steps.order_by("order")
    ]
    return record


def reason_required_for(draft: VersionDraft) -> bool:
    """Changing a version that already exists is an edit of a controlled record (ISO 7.5.3):
    the user must say why."""
    return draft.existing and draft.changed


@transaction.atomic
def procedure_version_save(
    *,
    actor: User | None,
    procedure: Procedure,
    version_data: dict,
    fees: list[dict],
    components: list[dict],
    steps: list[dict],
    reason: str = "",
) -> ProcedureVersion:
    """Create or replace version ``version_data["version"]`` of ``procedure`` with exactly the
    fees, components and internal-process steps given. Changing an existing version needs a
    ``reason``; it is kept in the history rows and the audit log.

    Everything is checked first (each row, the process against the legal time limit, a
    version already frozen by a dossier); on any problem a ``ValidationError`` lists them all
    and nothing is written. Saving the same content again writes nothing.
    """
    draft = procedure_version_draft(
        procedure=procedure,
        version_data=version_data,
        fees=fees,
        components=components,
        steps=steps,
    )
    if draft.errors:
        raise ValidationError([draft_error_text(e) for e in draft.errors])
    version = draft.version
    if not draft.changed:
        return version
    reason = (reason or "").strip()
    if reason_required_for(draft) and not reason:
        raise ValidationError(
            _(
                "Phiên bản %(version)s của thủ tục “%(procedure)s” đã ban hành: phải ghi lý do "
                "thay đổi."
            )
            % {"version": version.version, "procedure": procedure.name}
        )
    before = (
        _version_record(ProcedureVersion.objects.get(pk=version.pk)) if draft.existing else None
    )
    version = _save(version, actor=actor, audit=False, reason=reason)
    for row in draft.fees + draft.components + draft.steps:
        row.version = version
    _replace_rows(
        list(version.fees.order_by("id")),
        draft.fees,
        FEE_FIELDS,
        key=lambda index, row: index,
        actor=actor,
        reason=reason,
    )
    _replace_rows(
        list(version.components.order_by("order")),
        draft.components,
        COMPONENT_FIELDS,
        key=lambda index, row: row.order,
        actor=actor,
        reason=reason,
    )
    _replace_rows(
        list(version.steps.order_by("order")),
        draft.steps,
        STEP_FIELDS,
        key=lambda index, row: row.order,
        actor=actor,
        reason=reason,
    )
    old, new = auditlog.changes(before, _version_record(version))
    auditlog.record(
        actor=actor,
        action=VERSION_SAVE,
        obj=version,
        unit=version.handling_unit,
        before=old or None,
        after=new,
        reason=reason,
    )
    return version
