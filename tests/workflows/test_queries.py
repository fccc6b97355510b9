"""The inbox and queue pages run a fixed number of queries however many dossiers wait."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.demo import load_demo_catalogue
from procedures.models import Procedure
from workflows.demo import APPLICANTS, DemoOffice

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/workflow/queue/", "/workflow/inbox/"])
def test_work_pages_query_count_does_not_grow_with_dossiers(client, demo, url):
    load_demo_catalogue(agency=demo["agency"])
    procedure = Procedure.objects.get(key="dieu-chinh-giay-phep-moi-truong")
    office = DemoOffice().as_user("motcua")
    office.receive(procedure, APPLICANTS[0])
    client.force_login(demo_user("motcua"))
    client.get(url)
    few = count_queries(client, url)
    for applicant in APPLICANTS[1:6]:
        office.receive(procedure, applicant)
    many = count_queries(client, url)
    assert many == few
    assert few <= 20


def demo_user(username):
    from qms.core.models import User

    return User.objects.get(username=username)
