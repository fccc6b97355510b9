from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.importexport import FORMATS, export_catalogue, format_of
from procedures.models import Procedure


class Command(BaseCommand):
    help = "Xuất danh mục thủ tục hành chính ra tệp .json hoặc .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp sẽ ghi (.json hoặc .xlsx)")
        parser.add_argument("--format", choices=FORMATS, help="Định dạng, nếu đuôi tệp không rõ")
        parser.add_argument(
            "--key", action="append", default=[], help="Chỉ xuất thủ tục có khóa này (lặp lại được)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        fmt = options["format"] or format_of(path.name)
        if fmt is None:
            raise CommandError(_("Không rõ định dạng của tệp; dùng tệp .json hoặc .xlsx."))
        queryset = Procedure.objects.filter(key__in=options["key"]) if options["key"] else None
        content = export_catalogue(fmt=fmt, queryset=queryset)
        path.write_bytes(content)
        count = queryset.count() if queryset is not None else Procedure.objects.count()
        self.stdout.write(
            self.style.SUCCESS(_("Đã xuất %(n)s thủ tục ra %(path)s.") % {"n": count, "path": path})
        )
