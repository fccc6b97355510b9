from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from qms.core.demo import DEMO_PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu trình diễn: Sở TN&MT Sóc Trăng, các đơn vị và tài khoản (chạy lại không sao)."
    )

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp dữ liệu trình diễn: {result['agency']} — {len(result['units'])} đơn vị, "
                f"{result['users_created']} tài khoản mới."
            )
        )
        self.stdout.write(f"Tài khoản trình diễn (mật khẩu {DEMO_PASSWORD}):")
        for username, last_name, first_name, position, *_unit_and_role in USERS:
            self.stdout.write(f"  {username:<20} {last_name} {first_name} — {position}")
