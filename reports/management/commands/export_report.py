"""python manage.py export_report --unit CODE (--year Y [--quarter Q | --month M] | --term 2020-2025
| --from YYYY-MM-DD --to YYYY-MM-DD) --output FILE.xlsx

The quarterly return, the same workbook the page downloads. The command line sees every unit: it is
run by whoever runs the server, not by a user of the site.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import excel, selectors
from units import readlog
from units.forms import PeriodForm
from units.models import Unit


class Command(BaseCommand):
    help = "Xuất báo cáo quý (Excel) của một đơn vị cho một kỳ báo cáo."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Mã đơn vị")
        parser.add_argument("--year", help="Năm, ví dụ 2026")
        parser.add_argument("--quarter", help="Quý 1–4 (kèm --year)")
        parser.add_argument("--month", help="Đến hết tháng 1–11 (kèm --year): các tháng đầu năm")
        parser.add_argument("--term", help="Nhiệm kỳ, ví dụ 2020-2025")
        parser.add_argument("--from", dest="date_from", help="Từ ngày YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="Đến ngày YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="Tệp .xlsx sẽ ghi")
        parser.add_argument(
            "--today-tree",
            action="store_true",
            help="Tính theo cây tổ chức hiện nay (mặc định: theo cây tổ chức ngày cuối kỳ báo cáo)",
        )

    def handle(self, *args, **options):
        params = {
            key: options[key]
            for key in ("year", "quarter", "month", "term", "date_from", "date_to")
            if options[key] not in (None, "")
        }
        if not params:
            raise CommandError(
                _("Cần chọn kỳ báo cáo: --year Y [--quarter Q], --term 2020-2025, hoặc --from ... --to ....")
            )
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(_("Không có đơn vị mã “%(code)s”.") % {"code": options["unit"]})
        form = PeriodForm(params)
        if not form.is_valid():
            raise CommandError(" ".join(form.error_list()))
        period = form.cleaned_data["period"]
        output = Path(options["output"])
        if output.suffix.lower() != ".xlsx":
            raise CommandError(_("Tệp xuất phải có đuôi .xlsx."))
        if not output.parent.exists():
            raise CommandError(_("Không có thư mục “%(folder)s”.") % {"folder": output.parent})
        today = timezone.localdate()
        placed, tree = excel.dated(unit, period, today_tree=options["today_tree"], today=today)
        workbook = excel.quarterly_return(placed, period, candidates=selectors.counted_people(), today=today, tree=tree)
        try:
            workbook.save(output)
        except OSError as error:
            raise CommandError(
                _("Không ghi được tệp “%(file)s”: %(reason)s.") % {"file": output, "reason": error.strerror}
            ) from error
        readlog.record_command(
            readlog.Kind.QUARTERLY_RETURN, command="manage.py export_report", unit=unit, period=period.label
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Đã ghi %(file)s: %(unit)s, %(period)s.")
                % {"file": output, "unit": unit.name, "period": period.label}
            )
        )
