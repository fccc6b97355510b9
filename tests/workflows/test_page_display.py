"""What the pages show beyond the steps themselves: the result file of a dossier as a download
for whoever may see the dossier (404 for anyone else), record values in viewflow's process and
task panels the Vietnamese way, a menu for every app of the site, the login page naming the
product and the agency, and the password pages in the site's own look."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from viewflow.urls import Application

from audits.models import Nonconformity
from procedures.models import Dossier
from tests.planning.dossiers import ENV, demo_world, finish, receive
from workflows.site import site
from workflows.templatetags.qms_display import field_display

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 5, 6)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with demo_world(django_db_blocker) as world:
        yield world


@pytest.fixture
def issued(world):
    return finish(receive(ENV, DAY), DAY + dt.timedelta(days=2), result_file=True)


def field(model, name):
    return model._meta.get_field(name)


# The result file ---------------------------------------------------------------------------


def test_result_file_downloads_under_the_dossiers_code_for_its_unit(login, issued):
    client = login("chuyenvien")
    url = reverse("workflow:dossier_result", args=[issued.pk])

    response = client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert f'filename="ket-qua-{issued.code}.pdf"' in response["Content-Disposition"]
    page = client.get(reverse("workflow:dossier_detail", args=[issued.pk])).content.decode()
    assert f'<a href="{url}" data-turbo="false">ket-qua-{issued.code}.pdf</a>' in page
    assert issued.result_file.name not in page  # the stored path is never shown


def test_result_file_is_not_found_for_another_unit(login, issued):
    response = login("chuyenvien.nuoc").get(reverse("workflow:dossier_result", args=[issued.pk]))

    assert response.status_code == 404


def test_a_dossier_without_result_file_has_none_to_download(login, world):
    dossier = receive(ENV, DAY)

    response = login("chuyenvien").get(reverse("workflow:dossier_result", args=[dossier.pk]))

    assert response.status_code == 404


# Values in viewflow's panels ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(True, "Có"), (False, "Không"), (None, ""), ("", "")],
)
def test_yes_no_and_empty_values(value, shown):
    assert field_display(value, field(Dossier, "paid_online")) == shown


def test_dates_and_times_are_written_day_first_in_the_departments_time():
    moment = dt.datetime(2024, 11, 5, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hồ Chí Minh City

    assert field_display(moment, field(Dossier, "received_at")) == "08:30 05/11/2024"
    assert field_display(dt.date(2024, 11, 5), field(Dossier, "result_date")) == "05/11/2024"


def test_technical_fields_and_record_references_are_left_out():
    assert field_display(True, field(Dossier, "is_demo_data")) == ""
    finding_ref = field(Nonconformity, "finding_ref")
    assert field_display("internal_audits.finding:28", finding_ref) == ""
    assert field_display("ĐG-03/2024 phát hiện 2", finding_ref) == "ĐG-03/2024 phát hiện 2"


# Menus and the pages outside the site ------------------------------------------------------


def test_every_app_has_its_own_menu(login, world):
    """viewflow's default app menu lists child viewsets and, for an app without any, shows a
    red English notice; each of our apps has its own menu instead."""
    client = login("admin")
    for app in site._children:
        assert isinstance(app, Application)
        assert app.menu_template_name != Application.menu_template_name, app
        page = client.get(app.reverse("index"), follow=True)
        assert page.status_code in (200, 403), app
        assert "No viewsets found" not in page.content.decode(), app


def test_the_register_is_in_the_work_menu(login, world):
    page = login("motcua").get(reverse("workflow:inbox")).content.decode()

    assert f'href="{reverse("workflow:register")}"' in page
    assert "Sổ theo dõi hồ sơ" in page


def test_the_review_menu_lists_what_the_user_may_open(login, world):
    secretary = login("thuky").get(reverse("reviews:assigned")).content.decode()
    assert f'href="{reverse("reviews:index")}"' in secretary
    assert f'href="{reverse("reviews:conformity")}"' in secretary

    specialist = login("chuyenvien").get(reverse("reviews:assigned")).content.decode()
    assert f'href="{reverse("reviews:assigned")}"' in specialist
    assert f'href="{reverse("reviews:conformity")}"' not in specialist


def test_login_page_names_the_product_and_the_agency(client, world):
    page = client.get(reverse("login")).content.decode()

    assert f"ISO điện tử — {world['agency'].name}" in page
    assert "Viewflow" not in page and "Django Material" not in page
    assert "--mdc-theme-primary: #0d47a1;" in page  # the site's colours


@pytest.mark.parametrize("name", ["password_reset", "password_change"])
def test_password_pages_are_the_sites_not_the_admins(login, world, name):
    page = login("chuyenvien").get(reverse(name)).content.decode()

    assert "vf-page" in page
    assert "Django" not in page


@pytest.mark.parametrize(
    "path", ["/workflow/flows/dossier/flows/", "/workflow/flows/dossier/tasks/"]
)
def test_the_flows_process_and_task_lists_have_vietnamese_headings(login, issued, path):
    page = login("truongphong").get(path)

    assert page.status_code == 200
    text = page.content.decode()
    for english in ("Process id", "Brief", "Active tasks", "Process summary", ">Owner<"):
        assert english not in text
    assert "Nội dung" in text
