"""What people do over and over in the browser: open a task from their work lists, finish a
step; and the small files they upload."""

from __future__ import annotations

import io

import pypdf


def pdf_bytes() -> bytes:
    """A one-page PDF, as a scanned document would be uploaded."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes()}


def pdf_text(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def open_task(person, listing: str, record: str, task_title: str):
    """From the work app, open ``listing`` ("Việc của tôi" or "Việc chờ nhận"), find the task
    ``task_title`` of ``record`` (a dossier or nonconformity code) and take it if it is not
    the person's own yet; the person is then on the step's form."""
    person.click("Công việc", exact=True)  # the work app, from the menu of any page
    if not (listing == "Việc của tôi" and person.page.url.endswith("/workflow/inbox/")):
        person.click(listing)
    row = person.page.locator("tr", has_text=record).filter(has_text=task_title)
    person.navigate(row.locator("a").first.click)
    return take_task(person, task_title)


def take_task(person, task_title: str):
    """On a task's page: take it when it is offered ("Nhận việc và tiếp tục")."""
    take = person.page.get_by_role("button", name="Nhận việc và tiếp tục")
    if take.count():
        person.navigate(take.click)
    assert task_title in person.text()
    return person


def open_waiting_task(person, task_title: str):
    """On a record's page (a nonconformity), follow its waiting task and take it."""
    person.click(task_title)
    return take_task(person, task_title)


def finish_step(person, step: str, *, button: str = "Hoàn thành bước", done: str = ""):
    """Keep the filled form, submit it and check the page that confirms the step."""
    person.shot(step)
    person.press(button)
    assert (done or "Đã hoàn thành bước") in person.text(), person.text()
    person.shot(f"{step}-xong")
