"""The internal auditor sees everything and can change nothing: every route of the project,
sent a POST (and PUT, PATCH, DELETE) as the auditor, is refused and no record changes."""

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from procedures.models import Dossier
from qms.core.models import Job, OrgUnit
from workflows.flows import DossierFlow

pytestmark = pytest.mark.django_db

#: Routes an auditor may POST to, and why: they touch only the auditor's own session or
#: preferences, never a record of the department.
OWN_SESSION_ROUTES = {
    "login": "signing in",
    "logout": "signing out",
    "profile": "the auditor's own interface language",
    "password_change": "the auditor's own password (an empty form changes nothing)",
    "password_reset": "asks for a reset e-mail; no record changes",
    "password_reset_confirm": "an invalid token: nothing changes",
    "set_language": "the language of the auditor's session",
    "read": "marks one of the auditor's own notifications read",
    "read_all": "marks the auditor's own notifications read",
    "open": "opens (and marks read) one of the auditor's own notifications",
    "preferences": "the auditor's own notification preferences (an empty form is refused)",
}
#: Exports run as background jobs: a POST asks for one, which is a read. It may create only a
#: job of the auditor's own (and its "job requested" event), checked after the walk.
EXPORT_ROUTES = {"register_export", "register_pdf", "export", "trail_pdf", "trail_xlsx"}
#: 401: the integration API (/api/) takes a token only; a signed-in session is unauthenticated.
REFUSED = {401, 403, 404, 405}
#: Views that only redirect, whatever the method (site and app indexes, a task's index that
#: sends the user on to the task's own page): they cannot change anything.
PURE_REDIRECTS = {"_IndexRedirectView", "RedirectView", "UserIndexTaskView", "IndexTaskView"}


def routes(patterns=None, prefix="", namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def snapshot():
    """Row counts and the latest change time of every table a user could alter."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "axes", "admin"}:
            continue
        if model._meta.label == "core.AuditEvent":
            counts[model._meta.label] = model.objects.exclude(
                action__in=["auth.login", "auth.logout", "job.submit"]
            ).count()
            continue
        if model._meta.label in {"core.Job", "core.HistoricalJob", "core.Notification"}:
            continue  # the auditor's own export jobs (and their "done" notices): checked apart
        counts[model._meta.label] = model._default_manager.count()
    counts["tasks"] = list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id"))
    counts["dossiers"] = list(Dossier.objects.order_by("pk").values_list("pk", "status"))
    return counts


def fill(route: str, values: dict) -> str | None:
    """A concrete URL for ``route`` with real ids where they matter."""
    if route.startswith("^") or "(?P" in route:
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "<" + m.group(1) + ">", route)

    def value(match):
        converter, name = match.group(1), match.group(2)
        return str(values.get(name, "1" if converter in ("int", None) else "x"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: value(_Match(m)), route)


class _Match:
    def __init__(self, match):
        self._m = match

    def group(self, index):
        return self._m.group(index)


@pytest.fixture
def site(db):
    call_command("load_demo", verbosity=0)
    dossier = Dossier.objects.exclude(status__in=["cancelled"]).filter(fees__isnull=False).first()
    dossier = dossier or Dossier.objects.first()
    process = Process.objects.filter(artifact_object_id=dossier.pk).first()
    open_task = Task.objects.filter(status__in=["NEW", "ASSIGNED"]).order_by("pk").first()
    fee = getattr(dossier, "fees", None)
    return {
        "pk": dossier.pk,
        "fee_pk": fee.first().pk if fee is not None and fee.exists() else 1,
        "process_pk": open_task.process_id if open_task else process.pk,
        "task_pk": open_task.pk if open_task else 1,
        "kind": "mau-01",
        "object_type": "core.orgunit",
        "object_id": OrgUnit.objects.first().pk,
        "year": 2024,
        "app_label": "procedures",
        "object_id_str": 1,
        "content_type_id": 1,
        "uidb64": "MQ",
        "token": "set-password",
        "url": "x",
    }


def test_every_write_route_refuses_the_auditor_and_nothing_changes(site, login):
    client = login("danhgia")
    before = snapshot()
    started = timezone.now()
    allowed = []
    checked = 0
    tasks_targeted = set()
    for route, name in routes():
        short = name.split(":")[-1]
        if short in OWN_SESSION_ROUTES or name in OWN_SESSION_ROUTES:
            continue
        values = dict(site)
        node = re.search(r"/(\w+)/<int:task_pk>/", route)
        if node and hasattr(DossierFlow, node.group(1)):
            # Point each node's routes at a task of that node, open if there is one.
            task = (
                Task.objects.filter(flow_task=getattr(DossierFlow, node.group(1)))
                .order_by(F("finished").asc(nulls_first=True), "-pk")
                .first()
            )
            if task is not None:
                values.update(process_pk=task.process_id, task_pk=task.pk)
                tasks_targeted.add(node.group(1))
        url = fill(route, values)
        view = resolve(url).func
        if getattr(view, "view_class", view).__name__ in PURE_REDIRECTS:
            continue
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, {})
            checked += 1
            refused = response.status_code in REFUSED or (
                response.status_code == 302 and "/login/" in response.get("Location", "")
            )
            if short in EXPORT_ROUTES and method == "post":
                refused = response.status_code == 302 and response["Location"].startswith(
                    "/organisation/jobs/"
                )
            if not refused:
                allowed.append(f"{method.upper()} {url} ({name}) → {response.status_code}")
    assert allowed == [], "\n".join(allowed)
    assert checked > 200
    assert {"receive", "assign", "appraise", "review", "approve", "issue"} <= tasks_targeted
    assert snapshot() == before
    jobs = Job.objects.filter(created_at__gte=started)
    assert jobs.count() == len(EXPORT_ROUTES)
    assert set(jobs.values_list("requested_by__username", flat=True)) == {"danhgia"}
