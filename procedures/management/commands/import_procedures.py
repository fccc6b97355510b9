from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.importexport import FORMATS, format_of, import_catalogue
from qms.core.models import User


class Command(BaseCommand):
    help = (
        "Nhập danh mục thủ tục hành chính từ tệp .json hoặc .xlsx: kiểm tra toàn bộ tệp trước, "
        "có lỗi thì không nhập gì (chạy lại cùng tệp không thay đổi dữ liệu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp danh mục (.json hoặc .xlsx)")
        parser.add_argument("--format", choices=FORMATS, help="Định dạng, nếu đuôi tệp không rõ")
        parser.add_argument("--user", help="Tên đăng nhập của người nhập (ghi vào lịch sử)")
        parser.add_argument(
            "--reason",
            default="",
            help="Lý do thay đổi (bắt buộc khi tệp sửa một phiên bản đã có trong danh mục)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("Không tìm thấy tệp %(path)s.") % {"path": path})
        fmt = options["format"] or format_of(path.name)
        if fmt is None:
            raise CommandError(_("Không rõ định dạng của tệp; dùng tệp .json hoặc .xlsx."))
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("Không có người dùng “%(user)s”.") % {"user": options["user"]})
        report = import_catalogue(actor=actor, path_or_file=path, fmt=fmt, reason=options["reason"])
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
