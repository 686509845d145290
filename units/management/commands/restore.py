from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from units import backup


class Command(BaseCommand):
    help = (
        "Khôi phục toàn bộ cơ sở dữ liệu từ một bản sao lưu của lệnh backup (.dump: pg_restore; "
        ".json/.json.gz: flush rồi loaddata). Dữ liệu hiện có bị thay thế."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="Tệp sao lưu.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Không hỏi xác nhận."
        )

    def handle(self, *args, path, interactive, **options):
        if interactive:
            answer = input(f"Toàn bộ dữ liệu hiện có sẽ bị thay bằng {path}. Gõ 'dong y' để tiếp tục: ")
            if answer.strip().lower() not in ("dong y", "đồng ý"):
                raise CommandError("Đã hủy, không thay đổi gì.")
        backup.restore(path)
        self.stdout.write(self.style.SUCCESS(f"Đã khôi phục từ {path}."))
