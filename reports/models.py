"""Built report workbooks (a province's quarterly return takes seconds): kept per unit, period, day
and data version, so the second download of an unchanged return is the file already built, and one
after any change is built again (reports/results.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from units.jobs import JobRecord
from units.models import Unit
from units.permissions import RestrictedQuerySet


class ReportFileStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Không tạo được")


class ReportFileQuerySet(RestrictedQuerySet):
    # A built report is in scope where its unit is: the user may read the unit's reports.
    scope_path = "unit__path"


class ReportFile(JobRecord):
    """One workbook built by a worker: a report or the quarterly return (report RETURN) of a unit for
    a period, as of a day (probation and lateness count to it), from the data at `data_version`."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    report = models.CharField(_("báo cáo"), max_length=20)
    period = models.CharField(_("kỳ báo cáo"), max_length=200)  # the period's GET parameters, urlencoded
    period_label = models.CharField(_("kỳ"), max_length=200, blank=True)
    as_of = models.DateField(_("tính đến ngày"))
    data_version = models.CharField(_("phiên bản dữ liệu"), max_length=200)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=ReportFileStatus.choices, default=ReportFileStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("tệp báo cáo đã tạo")
        verbose_name_plural = _("tệp báo cáo đã tạo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "report", "period", "as_of", "data_version"], name="report_file_once_per_version"
            )
        ]

    def __str__(self):
        return self.file_name

    @property
    def is_running(self):
        return self.status in (ReportFileStatus.QUEUED, ReportFileStatus.RUNNING)

    @property
    def is_waiting(self):
        return self.is_running and not self.worker
