import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from recruitment.demo import SHAPES, DemoBuilder, demo_written
from recruitment.models import Candidate, Course, PoolReview
from units.models import Headcount, PoolTarget, Target, Term, Unit, User

DEFAULT_PASSWORD = "demo1234"


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu: một tỉnh giả định với đơn vị, chỉ tiêu, quần chúng và tài khoản demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2017, help="Hạt giống ngẫu nhiên (cùng hạt giống, cùng dữ liệu)."
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Mật khẩu của các tài khoản demo.")
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            default=None,
            help="Ngày coi là hôm nay (YYYY-MM-DD); mặc định là hôm nay.",
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SHAPES),
            default="demo",
            help="Cỡ dữ liệu: demo (một tỉnh nhỏ) hoặc large (cỡ Hà Nội, để đo hiệu năng).",
        )
        parser.add_argument("--if-empty", action="store_true", help="Không làm gì nếu đã có đơn vị.")
        parser.add_argument("--reset", action="store_true", help="Xóa toàn bộ dữ liệu hiện có rồi tạo lại.")

    def handle(self, *args, seed, password, as_of, scale, if_empty, reset, **options):
        started = time.monotonic()
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write("Đã có dữ liệu; giữ nguyên (dùng --reset để tạo lại).")
                return
            if not reset:
                raise CommandError("Cơ sở dữ liệu đã có đơn vị. Dùng --reset để xóa và tạo lại dữ liệu mẫu.")
        with transaction.atomic():
            if reset:
                Course.objects.all().delete()  # with their rosters
                PoolReview.objects.all().delete()  # with their entries
                PoolTarget.objects.all().delete()
                Candidate.objects.all().delete()
                Target.objects.all().delete()
                Headcount.objects.all().delete()
                Term.objects.all().delete()
                User.objects.all().delete()
                Unit.objects.all().delete()
            builder = DemoBuilder(seed=seed, as_of=as_of, shape=SHAPES[scale])
            users = builder.write(password=password)
            demo_written.send(sender=DemoBuilder, builder=builder, users=users)
        # Fresh statistics for the planner: after a bulk load PostgreSQL otherwise guesses that a
        # subtree is a handful of units and walks every cell one by one. On PostgreSQL also VACUUM,
        # as autovacuum would soon do on a running server: until the pages are marked all-visible,
        # counts cannot use index-only scans.
        # VACUUM cannot run inside a transaction (as in a test), so there it is ANALYZE alone.
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo {len(builder.units)} đơn vị ({len(builder.cells)} chi bộ), {len(builder.people)} người, "
                f"{len(builder.targets)} chỉ tiêu năm, trong {time.monotonic() - started:.0f} giây."
            )
        )
        self.stdout.write("Tài khoản demo (mật khẩu: %s): %s" % (password, ", ".join(u.username for u in users)))
