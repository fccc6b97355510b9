"""``manage.py verify_audit_log``: walk the audit log's hash chain.

Exit status 0 and a summary when the chain is intact; 1 and the first broken event otherwise.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from qms.core import auditlog


def _when(moment):
    return timezone.localtime(moment).strftime("%H:%M:%S %d/%m/%Y") if moment else "—"


class Command(BaseCommand):
    help = "Kiểm tra chuỗi mã băm của nhật ký kiểm tra (phát hiện sửa, xoá, chèn sự kiện)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = auditlog.verify()
        elapsed = time.perf_counter() - started
        if not result.intact:
            raise CommandError(
                f"Nhật ký kiểm tra KHÔNG toàn vẹn. Sự kiện hỏng đầu tiên: số {result.broken_seq}. "
                f"{result.problem} (đã kiểm tra {result.events} sự kiện hợp lệ trước đó)"
            )
        self.stdout.write(
            f"Nhật ký kiểm tra toàn vẹn: {result.events} sự kiện"
            f" (số {result.first_seq or 0}–{result.last_seq or 0},"
            f" {_when(result.first_at)} – {_when(result.last_at)}).\n"
            f"Mã băm cuối chuỗi: {result.last_hash}\n"
            f"Thời gian kiểm tra: {elapsed:.2f} giây."
        )
