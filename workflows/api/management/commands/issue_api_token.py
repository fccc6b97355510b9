import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from qms.core.models import User
from workflows.api.models import IntegrationClient
from workflows.api.services import api_token_issue


class Command(BaseCommand):
    help = (
        "Cấp khóa truy cập API cho một ứng dụng tích hợp và in khóa ra màn hình (một lần duy "
        "nhất: hệ thống chỉ lưu mã băm của khóa)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="Tên ứng dụng tích hợp")
        parser.add_argument(
            "--expires-days", type=int, help="Số ngày khóa còn hiệu lực (mặc định: không hết hạn)"
        )
        parser.add_argument("--user", help="Tên đăng nhập của người cấp (ghi vào nhật ký)")

    def handle(self, *args, **options):
        client = IntegrationClient.objects.filter(name=options["client"]).first()
        if client is None:
            raise CommandError(
                _("Không có ứng dụng tích hợp “%(name)s”.") % {"name": options["client"]}
            )
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("Không có người dùng “%(user)s”.") % {"user": options["user"]})
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError(_("Số ngày hiệu lực phải từ 1 trở lên."))
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            token, key = api_token_issue(actor=actor, client=client, expires_at=expires_at)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        # The key alone on standard output (for scripts); the explanation on standard error.
        self.stdout.write(key)
        self.stderr.write(
            _(
                "Đã cấp khóa %(prefix)s… cho “%(client)s”%(expiry)s. Khóa không hiển thị lại: "
                "lưu giữ an toàn."
            )
            % {
                "prefix": token.prefix,
                "client": client,
                "expiry": (
                    _(", hết hạn %(at)s")
                    % {"at": timezone.localtime(token.expires_at).strftime("%H:%M %d/%m/%Y")}
                    if token.expires_at
                    else ""
                ),
            }
        )
