from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from procedures.demo import load_demo_catalogue
from qms.core.demo import DEMO_PASSWORD, USERS, load_demo
from workflows.demo import load_demo_dossiers


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu trình diễn: Sở TN&MT Sóc Trăng, đơn vị, tài khoản, danh mục TTHC và hồ sơ "
        "ở mọi trạng thái (chạy lại không sao)."
    )

    def handle(self, *args, **options):
        try:
            result = load_demo()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        procedures = load_demo_catalogue(agency=result["agency"])
        dossiers = load_demo_dossiers()
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp dữ liệu trình diễn: {result['agency']} — {len(result['units'])} đơn vị, "
                f"{result['users_created']} tài khoản mới, {len(procedures)} thủ tục, "
                f"{dossiers} hồ sơ mới."
            )
        )
        self.stdout.write(f"Tài khoản trình diễn (mật khẩu {DEMO_PASSWORD}):")
        for username, last_name, first_name, position, *_unit_and_role in USERS:
            self.stdout.write(f"  {username:<20} {last_name} {first_name} — {position}")
