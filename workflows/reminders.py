"""Reminders of the dossier workflow, sent through the notification centre.

Four kinds, each with its key (one notification per person and key, so a reminder is never
sent twice, however often the scan runs):

- **step due** (``step-due:<task>``): an open step whose deadline falls before the close of the
  next working day and has not passed → the person who took it, or, while nobody has, everyone
  who may take it (the holders of the step's ``core.act_<role>`` permission on its unit);
- **dossier due** (``dossier-due:<dossier>:<date>``): a dossier whose appointment falls before
  the close of the next working day and has not passed → its handler and the heads of the
  handling unit. The appointment is the one the applicant holds (``due_at``): the Mẫu 01 date
  moved by supplement time (a new date, a new reminder), or the new date of an apology;
- **apology due** (``apology-due:<dossier>``, once): Mẫu 04 must reach the applicant at the
  latest one working day before the appointment (DOMAIN.md §2.5), so a dossier without an
  apology is flagged when (a) its appointment has passed and it is still not finished, or
  (b) its appointment falls before the close of the next working day while it still waits at a
  step before the leader's approval (transfer, assignment, appraisal, review): the approval and
  the issue are left, so it will not be finished in time. A dossier waiting at the approval or
  at the issue within its time is expected to make it. → its handler, the heads of the handling
  unit (they may issue the apology on the dossier page) and the one-stop officers of the
  receiving desk (who hand it to the applicant);
- **step overdue** (``step-overdue:<task>``): an open step past its deadline → the heads of the
  step's unit (its ``Role.UNIT_HEAD`` members and the holders of ``core.lead_unit`` on it; a
  unit without one escalates to its parent unit, and so on). Sent as soon as the step's timer
  fires (:meth:`workflows.flows.DossierFlow.record_step_overdue`) and again by the scan, as a
  safety net for a timer that did not fire.

Dossiers waiting for the applicant (supplement) are left alone: their clock is stopped.
Nobody is told about a dossier they may not see (:func:`procedures.selectors.dossiers_visible_to`).
Each reminder is written in its recipient's language.

The scan loads the open steps, their dossiers and internal processes, the calendar and the
unit permissions in a fixed number of queries; then one query per recipient for visibility and
the notification centre's queries for each reminder not yet sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from procedures.models import Dossier, FormTemplate, ProcessStep
from procedures.selectors import dossiers_visible_to
from qms.core import notifications
from qms.core.calendar import WorkingCalendar
from qms.core.models import Membership, Notification, OrgUnit, Role, User
from qms.core.roles import act_permission

from .deadlines import NODE_STEP, dossier_step, task_due_at

logger = logging.getLogger(__name__)

S = Dossier.Status
#: A task still to do.
OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
#: Dossiers that may still have an open step (ended ones never do).
ACTIVE = [
    s for s in S.values if s not in (S.RETURNED, S.WITHDRAWN, S.CANCELLED, S.REFUSED_AT_RECEIPT)
]
#: The clock runs and the office owes the result (not finished, not waiting for the applicant).
RUNNING = (S.RECEIVED, S.IN_PROGRESS, S.APPROVED, S.REFUSED)
#: The steps before the leader's approval: a dossier still there at its last day will be late.
BEFORE_APPROVAL = {"transfer", "assign", "appraise", "review"}
LEAD_UNIT = "core.lead_unit"
DESK = act_permission(Role.ONE_STOP_OFFICER)
KEY_CHUNK = 500


def _moment(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def horizon_of(now: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """The close of the working day after ``now``'s day: "within one working day"."""
    close = dt.time.fromisoformat(settings.QMS_OFFICE_HOURS[-1][1])
    day = calendar.next_working_day(timezone.localdate(now))
    return timezone.make_aware(dt.datetime.combine(day, close))


def _timed_nodes() -> set[str]:
    """The dossier flow's steps that have a deadline: those with a timeout (viewflow names a
    step's timeout node ``<step>__timeout``)."""
    from .flows import DossierFlow

    suffix = "__timeout"
    return {
        node.name[: -len(suffix)]
        for node in DossierFlow.instance.nodes()
        if node.name.endswith(suffix)
    }


# --- Who -------------------------------------------------------------------------------------


class Staff:
    """Who holds which unit permission, and who heads which unit, loaded once (a few queries
    for the whole run, whatever the number of tasks)."""

    def __init__(self):
        unit_type = ContentType.objects.get_for_model(OrgUnit)
        self.units = {unit.pk: unit for unit in OrgUnit.objects.all()}
        holders: dict[tuple[str, int], set[int]] = defaultdict(set)
        rows = [
            get_user_obj_perms_model()
            .objects.filter(content_type=unit_type)
            .values_list(
                "user_id",
                "object_pk",
                "permission__content_type__app_label",
                "permission__codename",
            ),
            get_group_obj_perms_model()
            .objects.filter(content_type=unit_type, group__user__isnull=False)
            .values_list(
                "group__user",
                "object_pk",
                "permission__content_type__app_label",
                "permission__codename",
            ),
        ]
        for query in rows:
            for user_id, unit_pk, app_label, codename in query:
                holders[(f"{app_label}.{codename}", int(unit_pk))].add(user_id)
        head_members: dict[int, set[int]] = defaultdict(set)
        for unit_id, user_id in Membership.objects.filter(role=Role.UNIT_HEAD).values_list(
            "unit_id", "user_id"
        ):
            head_members[unit_id].add(user_id)
        everyone = set().union(*holders.values(), *head_members.values())
        self.users = {
            user.pk: user for user in User.objects.filter(pk__in=everyone, is_active=True)
        }
        self._holders = holders
        self._head_members = head_members

    def _people(self, ids: Iterable[int]) -> list[User]:
        return sorted(
            (self.users[pk] for pk in set(ids) if pk in self.users), key=lambda u: u.username
        )

    def holders(self, permission: str, unit_id) -> list[User]:
        """Active users holding ``permission`` on the unit (their own or a group's row)."""
        if unit_id is None:
            return []
        return self._people(self._holders.get((permission, int(unit_id)), ()))

    def heads(self, unit_id) -> list[User]:
        """The heads of a unit: its unit heads and the holders of ``lead_unit`` on it; for a
        unit without any, those of the nearest unit above it."""
        seen = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            ids = self._head_members.get(unit_id, set()) | self._holders.get(
                (LEAD_UNIT, unit_id), set()
            )
            people = self._people(ids)
            if people:
                return people
            unit = self.units.get(unit_id)
            unit_id = unit.parent_id if unit else None
        return []


class Visibility:
    """Which of the active dossiers each recipient may see (one query per recipient)."""

    def __init__(self):
        self._seen: dict[int, set[int]] = {}

    def sees(self, user: User, dossier: Dossier) -> bool:
        if user.pk not in self._seen:
            self._seen[user.pk] = set(
                dossiers_visible_to(user=user)
                .filter(status__in=ACTIVE)
                .values_list("pk", flat=True)
            )
        return dossier.pk in self._seen[user.pk]


# --- What ------------------------------------------------------------------------------------


@dataclass
class Reminder:
    kind: str
    key: str
    dossier: Dossier
    recipients: list[User]
    url: str
    #: (title, body), called in each recipient's language.
    text: Callable[[], tuple[str, str]]


def _dossier_url(dossier: Dossier) -> str:
    return reverse("workflow:dossier_detail", kwargs={"pk": dossier.pk})


def _step_reminder(kind: str, task: Task, dossier: Dossier, due, staff: Staff) -> Reminder:
    step = dossier_step(dossier, NODE_STEP[task.flow_task.name])
    if kind == notifications.DOSSIER_STEP_OVERDUE:
        key, recipients = f"step-overdue:{task.pk}", staff.heads(step.unit.pk)
    elif task.owner_id:
        key, recipients = f"step-due:{task.pk}", [task.owner] if task.owner.is_active else []
    else:
        key = f"step-due:{task.pk}"
        recipients = staff.holders(task.owner_permission, task.owner_permission_obj_pk)

    def text():
        values = {
            "code": dossier.code,
            "step": task.title,
            "due": _moment(due),
            "procedure": dossier.procedure_version.procedure.name,
            "applicant": dossier.applicant_name,
            "unit": step.unit.name,
            "owner": task.owner or _("chưa có người nhận xử lý"),
        }
        if kind == notifications.DOSSIER_STEP_OVERDUE:
            title = _("Hồ sơ %(code)s: bước “%(step)s” quá hạn từ %(due)s") % values
            body = _(
                "Bước “%(step)s” của hồ sơ %(code)s (%(procedure)s; người nộp: %(applicant)s) "
                "phải xong trước %(due)s nhưng chưa hoàn thành. Đơn vị thực hiện: %(unit)s; "
                "người xử lý: %(owner)s. Đề nghị lãnh đạo đơn vị đôn đốc."
            )
        else:
            title = _("Hồ sơ %(code)s: bước “%(step)s” đến hạn %(due)s") % values
            body = _(
                "Bước “%(step)s” của hồ sơ %(code)s (%(procedure)s; người nộp: %(applicant)s) "
                "phải xong trước %(due)s. Đơn vị thực hiện: %(unit)s; người xử lý: %(owner)s."
            )
        return title, body % values

    url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
    return Reminder(kind, key, dossier, recipients, url, text)


def _dossier_due_reminder(dossier: Dossier, staff: Staff) -> Reminder:
    recipients = [dossier.handler, *staff.heads(dossier.handling_unit_id)]

    def text():
        values = {
            "code": dossier.code,
            "due": _moment(dossier.due_at),
            "procedure": dossier.procedure_version.procedure.name,
            "applicant": dossier.applicant_name,
            "unit": dossier.handling_unit.name,
            "handler": dossier.handler or _("chưa phân công"),
        }
        title = _("Hồ sơ %(code)s đến hạn trả kết quả %(due)s") % values
        body = _(
            "Hồ sơ %(code)s (%(procedure)s; người nộp: %(applicant)s) hẹn trả kết quả lúc "
            "%(due)s. Đơn vị giải quyết: %(unit)s; chuyên viên thụ lý: %(handler)s."
        )
        return title, body % values

    key = f"dossier-due:{dossier.pk}:{timezone.localdate(dossier.due_at).isoformat()}"
    return Reminder(
        notifications.DOSSIER_DUE, key, dossier, recipients, _dossier_url(dossier), text
    )


def _apology_reminder(
    dossier: Dossier, *, late: bool, staff: Staff, calendar: WorkingCalendar, forms: dict
) -> Reminder:
    desk = dossier_step(dossier, ProcessStep.Kind.RECEIVE).unit
    recipients = [
        dossier.handler,
        *staff.heads(dossier.handling_unit_id),
        *staff.holders(DESK, desk.pk),
    ]
    latest = calendar.add_working_days(timezone.localdate(dossier.due_at), -1)
    form = forms.get(dossier.regime_id)

    def text():
        values = {
            "code": dossier.code,
            "due": _moment(dossier.due_at),
            "latest": latest.strftime("%d/%m/%Y"),
            # The form's number and title are data of the dossier's regime (printed in capitals).
            "number": form.number if form else "—",
            "form": form.title.capitalize()
            if form
            else _("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
            "procedure": dossier.procedure_version.procedure.name,
            "applicant": dossier.applicant_name,
        }
        if late:
            title = _(
                "Hồ sơ %(code)s đã quá hạn trả kết quả %(due)s: cần lập phiếu xin lỗi (%(number)s)"
            )
        else:
            title = _(
                "Hồ sơ %(code)s có nguy cơ trễ hạn %(due)s: cần lập phiếu xin lỗi (%(number)s)"
            )
        title %= values
        body = _(
            "Hồ sơ %(code)s (%(procedure)s; người nộp: %(applicant)s) hẹn trả kết quả lúc "
            "%(due)s chưa giải quyết xong. %(form)s (%(number)s) phải gửi người nộp chậm nhất "
            "một ngày làm việc trước ngày hẹn trả (ngày %(latest)s), nêu rõ lý do và hẹn lại "
            "ngày trả kết quả (chỉ hẹn lại một lần)."
        )
        return title, body % values

    return Reminder(
        notifications.DOSSIER_APOLOGY_DUE,
        f"apology-due:{dossier.pk}",
        dossier,
        recipients,
        _dossier_url(dossier),
        text,
    )


# --- Loading ---------------------------------------------------------------------------------


def _active_dossiers() -> dict[int, Dossier]:
    """The dossiers not ended, with what the reminders read, and each one's internal process
    attached the way :func:`workflows.deadlines.dossier_step` caches it."""
    dossiers = {
        dossier.pk: dossier
        for dossier in Dossier.objects.filter(status__in=ACTIVE).select_related(
            "procedure_version__procedure", "handling_unit", "handler", "apology"
        )
    }
    steps: dict[int, dict[str, ProcessStep]] = defaultdict(dict)
    versions = {dossier.procedure_version_id for dossier in dossiers.values()}
    for step in ProcessStep.objects.filter(version__in=versions).select_related(
        "responsible_unit", "version__handling_unit"
    ):
        steps[step.version_id][step.kind] = step
    for dossier in dossiers.values():
        dossier._steps_by_kind = steps[dossier.procedure_version_id]
    return dossiers


def _open_steps(dossiers: dict[int, Dossier], tasks=None) -> list[Task]:
    """The open human steps of the dossier flow, each with its dossier attached."""
    from .flows import DossierFlow

    if tasks is None:
        tasks = Task.objects.filter(
            flow_task_type="HUMAN", status__in=OPEN_TASK, process__flow_class=DossierFlow
        )
    dossier_type = ContentType.objects.get_for_model(Dossier)
    found = []
    for task in tasks.select_related("process", "owner"):
        process = task.process
        dossier = dossiers.get(process.artifact_object_id)
        if process.artifact_content_type_id != dossier_type.pk or dossier is None:
            continue
        process.artifact = dossier
        found.append(task)
    return found


# --- Sending ---------------------------------------------------------------------------------


def _already_sent(keys: set[str]) -> set[tuple[int, str]]:
    keys = sorted(keys)
    sent = set()
    for start in range(0, len(keys), KEY_CHUNK):
        sent |= set(
            Notification.objects.filter(key__in=keys[start : start + KEY_CHUNK]).values_list(
                "recipient_id", "key"
            )
        )
    return sent


def _send(reminders: list[Reminder]) -> dict[str, int]:
    """Notify each reminder's recipients who may see its dossier and have not had it; returns
    the number of notifications created per kind."""
    counts = {
        notifications.DOSSIER_STEP_DUE: 0,
        notifications.DOSSIER_DUE: 0,
        notifications.DOSSIER_APOLOGY_DUE: 0,
        notifications.DOSSIER_STEP_OVERDUE: 0,
    }
    sent = _already_sent({reminder.key for reminder in reminders})
    visibility = Visibility()
    for reminder in reminders:
        people, seen = [], set()
        for user in reminder.recipients:
            if user is None or user.pk in seen or (user.pk, reminder.key) in sent:
                continue
            seen.add(user.pk)
            if user.is_active and visibility.sees(user, reminder.dossier):
                people.append(user)
        by_language = defaultdict(list)
        for user in people:
            by_language[user.language or settings.LANGUAGE_CODE].append(user)
        for language, group in sorted(by_language.items()):
            with translation.override(language):
                title, body = reminder.text()
            rows = notifications.notify(
                recipients=group,
                kind=reminder.kind,
                title=title,
                body=body,
                url=reminder.url,
                obj=reminder.dossier,
                key=reminder.key,
            )
            counts[reminder.kind] += sum(
                1 for row in rows if (row.recipient_id, reminder.key) not in sent
            )
            sent |= {(row.recipient_id, reminder.key) for row in rows}
    return counts


# --- Services --------------------------------------------------------------------------------


def due_reminders_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic scan (beat, every quarter of an hour): every reminder of the module's list
    that is due and not yet sent; returns how many notifications of each kind were created.
    Idempotent: a second run at once creates nothing."""
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    horizon = horizon_of(now, calendar)
    staff = Staff()
    dossiers = _active_dossiers()
    timed = _timed_nodes()
    reminders: list[Reminder] = []
    waiting_at: dict[int, set[str]] = defaultdict(set)
    for task in _open_steps(dossiers):
        node = task.flow_task.name
        dossier = task.process.artifact
        waiting_at[dossier.pk].add(node)
        if node not in timed:
            continue
        due = task_due_at(task, calendar)
        if due is None or due > horizon:
            continue
        kind = notifications.DOSSIER_STEP_OVERDUE if due <= now else notifications.DOSSIER_STEP_DUE
        reminders.append(_step_reminder(kind, task, dossier, due, staff))
    forms = {
        form.regime_id: form for form in FormTemplate.objects.filter(kind=FormTemplate.Kind.APOLOGY)
    }
    for dossier in sorted(dossiers.values(), key=lambda d: d.pk):
        if dossier.status not in RUNNING or dossier.due_at is None or dossier.due_at > horizon:
            continue
        late = dossier.due_at <= now
        if not late:
            reminders.append(_dossier_due_reminder(dossier, staff))
        if getattr(dossier, "apology", None) is None and (
            late or waiting_at[dossier.pk] & BEFORE_APPROVAL
        ):
            reminders.append(
                _apology_reminder(dossier, late=late, staff=staff, calendar=calendar, forms=forms)
            )
    return _send(reminders)


def step_overdue_escalate(*, task: Task) -> int:
    """Tell the heads of the step's unit that the open step ``task`` ran past its deadline:
    called when the step's timer fires; once per step (its key), so the scan's safety net
    sends nothing more. Returns the number of notifications created.

    A failure here is logged and leaves the timer's work (recording the overdue step) intact:
    the quarter-hourly scan sends the escalation instead."""
    try:
        with transaction.atomic():
            return _step_overdue_escalate(task)
    except Exception:
        logger.exception(
            "Không gửi được thông báo bước quá hạn #%s; lần quét sau gửi lại.", task.pk
        )
        return 0


def _step_overdue_escalate(task: Task) -> int:
    from .flows import DossierFlow

    tasks = Task.objects.filter(pk=task.pk, status__in=OPEN_TASK, process__flow_class=DossierFlow)
    found = _open_steps(_active_dossiers_of(tasks), tasks)
    if not found or found[0].flow_task.name not in _timed_nodes():
        return 0
    task = found[0]
    due = task_due_at(task)
    if due is None or due > timezone.now():
        return 0  # the deadline moved (a calendar correction): the scan will see to it
    reminder = _step_reminder(
        notifications.DOSSIER_STEP_OVERDUE, task, task.process.artifact, due, Staff()
    )
    return _send([reminder])[notifications.DOSSIER_STEP_OVERDUE]


def _active_dossiers_of(tasks) -> dict[int, Dossier]:
    ids = tasks.values("process__artifact_object_id")
    return {
        dossier.pk: dossier
        for dossier in Dossier.objects.filter(pk__in=ids, status__in=ACTIVE).select_related(
            "procedure_version__procedure", "handling_unit", "handler"
        )
    }
