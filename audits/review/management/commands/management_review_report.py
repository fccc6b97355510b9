"""``manage.py management_review_report --from DATE --to DATE --out FILE.pdf``: the same ISO
review report as the web page, for a period, from the command line."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.review.inputs import compile_inputs
from audits.review.models import ManagementReview
from audits.review.report import render_report
from qms.core.models import Role, User


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày không hợp lệ: “{text}” (dùng dạng 2024-12-31 hoặc 31/12/2024).")


class Command(BaseCommand):
    help = "Lập báo cáo xem xét của lãnh đạo (PDF) cho một kỳ, từ dữ liệu của hệ thống."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="Từ ngày")
        parser.add_argument("--to", dest="date_to", required=True, help="Đến ngày")
        parser.add_argument("--out", required=True, help="Tệp PDF kết quả")
        parser.add_argument(
            "--review", type=int, help="Số của cuộc xem xét đã có (lấy biên bản, hành động)"
        )

    def handle(self, *args, **options):
        date_from, date_to = _date(options["date_from"]), _date(options["date_to"])
        if date_from > date_to:
            raise CommandError("“--from” phải trước hoặc bằng “--to”.")
        out = Path(options["out"])
        if not out.parent.exists():
            raise CommandError(f"Không có thư mục {out.parent}.")
        if options["review"]:
            review = ManagementReview.objects.filter(pk=options["review"]).first()
            if review is None:
                raise CommandError(f"Không có cuộc xem xét số {options['review']}.")
            review.period_from, review.period_to = date_from, date_to
        else:
            chair = User.objects.filter(groups__name=Role.DIRECTOR).order_by("pk").first()
            review = ManagementReview(
                title=f"Xem xét của lãnh đạo {date_from:%d/%m/%Y} – {date_to:%d/%m/%Y}",
                period_from=date_from,
                period_to=date_to,
                chair=chair,
            )
        # Compiled for this printing only: nothing is saved.
        review.inputs = compile_inputs(review)
        content = render_report(review)
        out.write_bytes(content)
        self.stdout.write(
            self.style.SUCCESS(f"Đã lập báo cáo {out} ({len(content):,} byte).".replace(",", "."))
        )
