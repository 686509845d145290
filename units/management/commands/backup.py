import datetime
from pathlib import Path

from django.core.management.base import BaseCommand

from units import backup


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ cơ sở dữ liệu: PostgreSQL bằng pg_dump -Fc (tệp .dump), SQLite bằng dumpdata "
        "(tệp .json.gz). Khôi phục bằng lệnh restore."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            default=None,
            help="Tệp đích (mặc định backups/ptdv-NGÀY-GIỜ.dump hoặc .json.gz).",
        )
        parser.add_argument(
            "--format",
            choices=["pg", "json"],
            default=None,
            help="pg (pg_dump, mặc định với PostgreSQL) hoặc json (dumpdata, mặc định với SQLite).",
        )

    def handle(self, *args, output, format, **options):
        fmt = format or ("pg" if backup.is_postgresql() else "json")
        if output is None:
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path("backups") / f"ptdv-{stamp}.{'dump' if fmt == 'pg' else 'json.gz'}"
        output.parent.mkdir(parents=True, exist_ok=True)
        backup.backup(output, fmt=fmt)
        self.stdout.write(self.style.SUCCESS(f"Đã sao lưu vào {output} ({output.stat().st_size:,} byte)."))
