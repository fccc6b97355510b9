from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from audits.capa_demo import load_demo_capa
from audits.documents.demo import load_demo_documents
from audits.internal.demo import load_demo_internal_audits
from audits.planning.demo import load_demo_planning
from audits.review.demo import load_demo_reviews
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
        load_demo_capa()
        load_demo_documents()
        load_demo_internal_audits()
        load_demo_planning()
        load_demo_reviews()  # last: its inputs are compiled from everything above
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
