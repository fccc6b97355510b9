import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audits.documents.models import DocumentVersion
from qms.core.demo import DEMO_PASSWORD
from qms.core.models import OrgUnit, User

FLOW = "/workflow/flows/document"


def pdf(name="du-thao.pdf", body=b"noi dung"):
    """A small upload that passes the content check (a PDF header)."""
    return SimpleUploadedFile(name, b"%PDF-1.4\n%" + body + b"\n%%EOF\n", "application/pdf")


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages
    )


def user(username) -> User:
    return User.objects.get(username=username)


def unit(code) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def open_task(version):
    return Task.objects.get(
        process__artifact_content_type=ContentType.objects.get_for_model(DocumentVersion),
        process__artifact_object_id=version.pk,
        status__in=[STATUS.NEW, STATUS.ASSIGNED],
        flow_task_type="HUMAN",
    )


class Desk:
    """Drives the document pages as a demo user signed in with the password."""

    def __init__(self, client):
        self.client = client

    def as_user(self, username):
        self.client.logout()
        assert self.client.login(username=username, password=DEMO_PASSWORD), username
        return self

    def draft_new(self, *, code="HD.MT.01", unit_code="moi-truong", expect=302, **extra):
        data = {
            "code": code,
            "document_title": extra.pop("title", "Hướng dẫn thẩm định hồ sơ môi trường"),
            "kind": extra.pop("kind", "instruction"),
            "owner_unit": unit(unit_code).pk,
            "review_period_months": 12,
            "version": "01",
            "file": extra.pop("file", None) or pdf(),
            "change_summary": "Ban hành lần đầu.",
            "distribution": [unit(c).pk for c in extra.pop("distribution", ["moi-truong"])],
            **extra,
        }
        response = self.client.post(f"{FLOW}/draft_new/", data)
        assert response.status_code == expect, _errors(response)
        if expect != 302:
            return response
        return DocumentVersion.objects.get(document__code=code, status="in_review")

    def draft_revision(self, document, *, version="02", expect=302, **extra):
        data = {
            "document": document.pk,
            "version": version,
            "title": extra.pop("title", ""),
            "file": extra.pop("file", None) or pdf(body=b"sua doi"),
            "change_summary": extra.pop("change_summary", "Sửa đổi theo quy định mới."),
            "distribution": [unit(c).pk for c in extra.pop("distribution", [])],
        }
        response = self.client.post(f"{FLOW}/draft_revision/", data)
        assert response.status_code == expect, _errors(response)
        if expect != 302:
            return response
        return DocumentVersion.objects.get(document=document, version=version)

    def do(self, version, data, *, expect=302):
        task = open_task(version)
        base = f"{FLOW}/{task.process_id}/{task.flow_task.name}/{task.pk}"
        if task.status == STATUS.NEW:
            assert self.client.post(f"{base}/assign/").status_code == 302
        response = self.client.post(f"{base}/execute/", data)
        assert response.status_code == expect, _errors(response)
        version.refresh_from_db()
        return response


def _errors(response):
    context = getattr(response, "context", None)
    if context and context.get("form") is not None:
        return context["form"].errors
    return response.status_code


def approve(day, password=DEMO_PASSWORD, **extra):
    return {
        "decision": "approve",
        "effective_from": day.isoformat(),
        "comment": "",
        "password": password,
        **extra,
    }


AGREE = {"decision": "agree", "comment": ""}


@pytest.fixture
def desk(client, demo):
    return Desk(client)
