"""The flow's own pages (dashboard, process and task lists, process detail, chart, the step
forms) open for the people concerned and show nothing of a draft to another unit."""

import pytest

from .conftest import AGREE, open_task

pytestmark = pytest.mark.django_db
FLOW = "/workflow/flows/document"


@pytest.fixture
def draft(desk):
    version = desk.as_user("chuyenvien").draft_new()
    return version, open_task(version)


def test_the_step_pages_show_the_draft_beside_the_form(desk, client, draft):
    version, task = draft
    desk.as_user("truongphong")
    base = f"{FLOW}/{task.process_id}/review_draft/{task.pk}"
    assert client.post(f"{base}/assign/").status_code == 302
    page = client.get(f"{base}/execute/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "HD.MT.01" in text and "Ý kiến xem xét" in text and "Tệp nguyên vẹn" in text
    assert client.get(f"/documents/versions/{version.pk}/download/").status_code == 200

    desk.do(version, AGREE)
    task = open_task(version)
    desk.as_user("giamdoc")
    base = f"{FLOW}/{task.process_id}/approve_version/{task.pk}"
    client.post(f"{base}/assign/")
    text = client.get(f"{base}/execute/").content.decode()
    assert "Mật khẩu (ký điện tử)" in text and "Ngày có hiệu lực" in text


def test_revision_page_offers_only_the_units_own_documents_and_prefills(desk, client, draft):
    version, _task = draft
    desk.as_user("chuyenvien")
    # A document with a draft in work cannot get a second draft.
    page = client.get(f"{FLOW}/draft_revision/?document={version.document_id}")
    assert page.status_code == 200
    assert list(page.context["form"].fields["document"].queryset) == []


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("chuyenvien", 200),  # the drafting unit
        ("truongphong", 200),
        ("danhgia", 200),  # auditors read everything
        ("thuky", 200),
        ("chuyenvien.nuoc", 404),  # another unit: the draft does not exist
        ("truongphong.datdai", 404),
    ],
)
def test_process_pages_are_scoped_to_the_drafting_unit(desk, client, draft, username, expected):
    version, task = draft
    desk.as_user(username)
    assert client.get(f"{FLOW}/{task.process_id}/").status_code == expected
    assert client.get(f"{FLOW}/{task.process_id}/chart/").status_code == expected
    assert client.get(f"{FLOW}/{task.process_id}/review_draft/{task.pk}/detail/").status_code in (
        (expected,) if expected == 404 else (200, 302)
    )
    assert client.get(f"/documents/versions/{version.pk}/").status_code == expected
    for page in ("", "flows/", "tasks/"):
        response = client.get(f"{FLOW}/{page}")
        assert response.status_code == 200
        listed = "HD.MT.01" in response.content.decode()
        assert listed == (expected == 200), (page, username)


def test_a_revision_opened_from_the_document_keeps_its_distribution(desk, client):
    from django.utils import timezone

    from .conftest import approve

    version = desk.as_user("chuyenvien").draft_new(distribution=["moi-truong", "mot-cua"])
    desk.as_user("truongphong").do(version, AGREE)
    desk.as_user("giamdoc").do(version, approve(timezone.localdate()))
    desk.as_user("chuyenvien")
    detail = client.get(f"/documents/{version.document_id}/").content.decode()
    link = f"{FLOW}/draft_revision/?document={version.document_id}"
    assert link in detail
    form = client.get(link).context["form"]
    assert form.initial["document"] == version.document_id
    assert sorted(u.code for u in form.initial["distribution"]) == ["moi-truong", "mot-cua"]
    # Another unit's member is offered no revision of it.
    desk.as_user("chuyenvien.nuoc")
    assert "document" not in client.get(link).context["form"].initial
