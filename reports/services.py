"""Actions of the reports: submitting a quarterly return. (Closing and reopening a quarter are the
ground floor's: units.services.quarter_close / quarter_reopen.)"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import ClosedQuarter
from units.periods import Period, quarter_bounds, quarter_label
from units.permissions import allows

from . import excel, selectors
from .models import SubmittedReturn
from .permissions import SUBMIT_RETURN


@transaction.atomic
def return_submit(*, actor, unit, year, quarter, today=None):
    """Submit `unit`'s return for a quarter that has ended: the whole workbook (every report, as the
    actor reads them) is built now and kept byte for byte. Refused while the quarter runs and once
    it is closed (the return then stands as sent until the committee above reopens it)."""
    if not allows(actor, SUBMIT_RETURN, unit):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức của đơn vị được gửi báo cáo quý."))
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Quý phải từ I đến IV.")})
    today = today or timezone.localdate()
    label = quarter_label(year, quarter)
    _start, end = quarter_bounds(year, quarter)
    if end >= today:
        raise ValidationError(_("Chưa thể gửi báo cáo %(quarter)s: quý chưa kết thúc.") % {"quarter": label})
    closure = ClosedQuarter.objects.covering(unit).filter(year=year, quarter=quarter).select_related("unit").first()
    if closure is not None:
        raise ValidationError(
            _("%(quarter)s đã khóa sổ ở %(unit)s: báo cáo đã gửi được giữ nguyên cho đến khi mở lại sổ.")
            % {"quarter": label, "unit": closure.unit.name}
        )
    period = Period.for_quarter(year, quarter)
    # Counted by the tree on the quarter's last day, as the return downloaded for that quarter is.
    placed, tree = excel.dated(unit, period, today=today)
    workbook = excel.quarterly_return(placed, period, candidates=selectors.counted_people(), today=today, tree=tree)
    submitted = SubmittedReturn(
        unit=unit,
        year=year,
        quarter=quarter,
        workbook=excel.workbook_bytes(workbook),
        filename=excel.filename("bao-cao", unit, period),
        submitted_by=actor,
    )
    submitted.full_clean()
    submitted.save()
    return submitted
