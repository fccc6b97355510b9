"""Template helpers for the pages viewflow draws for us: the agency in force (login page), the
Site's colours (pages outside it), and a record's field values shown to staff the Vietnamese way
in the process and task panels — "Có"/"Không" for yes/no fields, dd/mm/YYYY dates, a download
link instead of a stored file's path, and no technical fields."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import date as date_format
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from qms.core import selectors

register = template.Library()

#: Fields kept for the system, never shown to staff (``model label.field``).
HIDDEN_FIELDS = {"procedures.dossier.is_demo_data"}
#: A record reference kept for the system (``internal_audits.finding:28``): the record's own
#: page shows what it points to; the panel leaves it out.
TECHNICAL_REF = re.compile(r"[a-z_]+\.[a-z_]+:\d+")

#: The page that serves a stored file to whoever may see its record, and the name it is
#: downloaded under (``model label.field`` → URL name taking the record's pk, file name without
#: extension); each page checks visibility itself. Stored names are random: never shown.
FILE_PAGES = {
    "procedures.dossier.result_file": (
        "workflow:dossier_result",
        lambda dossier: f"ket-qua-{dossier.code or dossier.pk}",
    ),
    "documents.documentversion.file": (
        "documents:version_download",
        lambda version: f"{version.document.code}_v{version.version}",
    ),
}


@register.simple_tag
def agency_current():
    """The agency in force today (None before the department is set up)."""
    return selectors.agency_current()


@register.simple_tag
def qms_site():
    """The Site, for pages drawn outside it (the login and password pages take its colours)."""
    from workflows.site import site

    return site


def _key(field) -> str:
    return f"{field.model._meta.label_lower}.{field.name}"


@register.filter
def field_display(value, field):
    """``value`` of ``field`` as staff read it; "" when the row is not to be shown."""
    if value is None or value == "" or _key(field) in HIDDEN_FIELDS:
        return ""
    if isinstance(value, str) and TECHNICAL_REF.fullmatch(value):
        return ""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(local, "H:i d/m/Y")
    if isinstance(value, dt.date):
        return date_format(value, "d/m/Y")
    if isinstance(value, FieldFile):
        return file_link(value)
    return value


@register.filter
def file_link(value: FieldFile):
    """A stored file as a link to the page that serves it, named as it downloads."""
    if not value:
        return ""
    page = FILE_PAGES.get(_key(value.field))
    if page is None:
        return _("Có tệp đính kèm")
    url_name, stem = page
    try:
        url = reverse(url_name, args=[value.instance.pk])
    except NoReverseMatch:
        return _("Có tệp đính kèm")
    extension = value.name.rsplit(".", 1)[-1].lower() if "." in value.name else ""
    name = f"{stem(value.instance)}.{extension}".replace("/", "-").rstrip(".")
    return format_html('<a href="{}" data-turbo="false">{}</a>', url, name)
