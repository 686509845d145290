"""python manage.py import_workbook FILE.xlsx [--dry-run] [--user USERNAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recruitment.importing import import_workbook
from recruitment.importing.errors import WorkbookError
from recruitment.importing.importer import COUNT_LABELS
from recruitment.importing.preview import FIX_LABELS
from recruitment.importing.workbook import check_upload
from recruitment.models import ImportStatus, WorkbookImport
from units.formatting import vn_int


class Command(BaseCommand):
    help = "Nhập tệp Excel (.xlsx) gồm các trang Đơn vị, Chỉ tiêu, Quần chúng: tất cả hoặc không."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không ghi gì.")
        parser.add_argument("--user", help="Nhập với quyền của người dùng này (mặc định: nhập hệ thống, mọi đơn vị).")

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        actor = None
        if user:
            actor = get_user_model().objects.select_related("unit").filter(username=user).first()
            if actor is None:
                raise CommandError(f"Không có người dùng “{user}”.")
        if not path.is_file():
            raise CommandError(f"Không có tệp “{file}”.")
        try:
            check_upload(path.name, path.stat().st_size)
            result = import_workbook(path, actor=actor, dry_run=dry_run, file_name=path.name)
        except WorkbookError as error:
            raise CommandError(error.message) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        for warning in result.warnings:
            self.stderr.write(f"Cảnh báo: {warning}")
        if result.written:  # a refused import writes nothing, not even its record
            WorkbookImport.objects.create(
                user=actor,
                file_name=path.name,
                file_size=path.stat().st_size,
                from_command_line=True,
                status=ImportStatus.DONE,
                progress=100,
                counts=result.counts,
                preview=result.preview,
                checked_at=timezone.now(),
                imported_at=timezone.now(),
            )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} lỗi; không có gì được ghi.")
        for key, label in COUNT_LABELS:
            if result.counts.get(key):
                self.stdout.write(f"{label}: {vn_int(result.counts[key])}")
        fixes = result.preview.get("fixes", [])
        if fixes:
            self.stdout.write("Đã đọc theo cách người nhập viết:")
            for fix in fixes:
                self.stdout.write(f"  {vn_int(fix['count'])} {FIX_LABELS[fix['key']]}")
        self.stdout.write("Kiểm tra xong, không ghi gì (--dry-run)." if dry_run else "Đã nhập xong.")
