"""The demo planning records and every planning page for the people who use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.planning.demo import load_demo_planning
from audits.planning.models import QualityObjective, QualityPolicy, RiskEntry, RiskReview
from qms.core.signatures import signature_valid, signatures_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_site(catalogue):
    """The demo department, its catalogue and the planning demo (dossiers are left out: the
    indicator tests make their own)."""
    return load_demo_planning()


def test_demo_loads_policy_objectives_and_risks_once(demo_site):
    from django.utils import timezone

    policy = QualityPolicy.objects.get()
    assert (policy.status, policy.approved_by.username, str(policy.effective_from)) == (
        "approved",
        "giamdoc",
        "2024-01-01",
    )
    from audits.planning.services import policy_content

    assert [signature_valid(s, policy_content(policy)) for s in signatures_of(policy)] == [True]
    years = {2024, timezone.localdate().year}
    assert set(QualityObjective.objects.values_list("year", flat=True)) == years
    assert QualityObjective.objects.filter(year=2024).count() == 7
    assert set(QualityObjective.objects.filter(year=2024).values_list("indicator", flat=True)) == {
        "on_time_rate",
        "online_rate",
        "satisfaction_rate",
    }
    assert RiskEntry.objects.count() == 12
    assert set(RiskEntry.objects.values_list("kind", flat=True)) == {"risk", "opportunity"}
    assert {r.band for r in RiskEntry.objects.all()} == {"low", "medium", "high"}
    assert RiskReview.objects.count() == 1
    assert demo_site == {"policies": 1, "objectives": 14, "risks": 12}
    assert load_demo_planning() == {"policies": 0, "objectives": 0, "risks": 0}


PAGES = [
    "/planning/",
    "/planning/?year=2024",
    "/planning/policy/",
    "/planning/risks/",
    "/planning/risks/?band=high&status=open",
    "/planning/indicators/",
    "/planning/indicators/?date_from=2024-01-01&date_to=2030-12-31&code=late_count&by=procedure",
]


def test_every_planning_page_opens_for_every_role(demo_site, client):
    from qms.core.models import User

    objective = QualityObjective.objects.filter(unit__isnull=True).first()
    risk = RiskEntry.objects.filter(unit__isnull=True).first()
    details = [
        f"/planning/objectives/{objective.pk}/",
        f"/planning/policy/{QualityPolicy.objects.get().pk}/",
        f"/planning/risks/{risk.pk}/",
    ]
    for username in ["thuky", "giamdoc", "danhgia", "chuyenvien", "motcua", "truongphong.datdai"]:
        client.force_login(User.objects.get(username=username))
        for url in PAGES + details:
            assert client.get(url).status_code == 200, (username, url)


def test_the_indicators_page_refuses_a_reversed_period(demo_site, client):
    from qms.core.models import User

    client.force_login(User.objects.get(username="thuky"))
    page = client.get("/planning/indicators/?date_from=2024-12-31&date_to=2024-01-01")
    assert page.status_code == 200
    assert "“Từ ngày” phải trước hoặc bằng “Đến ngày”." in page.content.decode()
    assert page.context["values"] == []


def test_the_objectives_page_costs_a_fixed_number_of_queries_per_objective(demo_site, client):
    from qms.core.models import User

    client.force_login(User.objects.get(username="giamdoc"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/planning/?year=2024").status_code == 200
    # One aggregate per objective (7) plus the page's own reads, whatever the dossier count.
    assert len(queries) <= 7 + 15
