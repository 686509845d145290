"""python manage.py housekeeping [--schedule]

Deletes uploads nobody confirmed (settings.UPLOAD_MAX_AGE_HOURS) and old built workbooks
(settings.REPORT_FILE_MAX_AGE_HOURS) now. With --schedule it only queues the recurring job instead,
which a worker (`manage.py db_worker`) runs every HOUSEKEEPING_EVERY_MINUTES and which queues itself
again; run it when a worker starts (make demo, the systemd unit): it is queued once however often.
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from reports.tasks import housekeeping_now, schedule_housekeeping


class Command(BaseCommand):
    help = "Dọn tệp tải lên chưa xác nhận và tệp báo cáo cũ; --schedule: đặt việc dọn định kỳ cho tiến trình nền."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="Chỉ đặt việc dọn định kỳ (chạy ngay lần đầu)")

    def handle(self, *args, **options):
        if options["schedule"]:
            queued = schedule_housekeeping(delay=datetime.timedelta(0))
            self.stdout.write(_("Đã đặt việc dọn định kỳ.") if queued else _("Việc dọn định kỳ đã có sẵn."))
            return
        done = housekeeping_now()
        self.stdout.write(
            _("Đã xóa %(uploads)d tệp tải lên, %(files)d tệp báo cáo và %(lists)d tệp danh sách quần chúng.")
            % {"uploads": done["uploads"], "files": done["report_files"], "lists": done["candidate_exports"]}
        )
