"""What the reports app keeps: built report workbooks (a province's quarterly return takes seconds),
kept per unit, period, day and data version so a second download of unchanged data is the file already
built (reports/results.py); and quarterly returns as sent (báo cáo quý đã nộp), kept byte for byte, so
the committee above reads what was sent even after the figures change or the tree is reorganised."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.jobs import BuiltFile, JobStatus
from units.models import Unit
from units.periods import QUARTER_CHOICES, quarter_label
from units.permissions import RestrictedQuerySet

# A built report's state: a job's (units.jobs).
ReportFileStatus = JobStatus


class ReportFileQuerySet(RestrictedQuerySet):
    # A built report is in scope where its unit is: the user may read the unit's reports.
    scope_path = "unit__path"


class ReportFile(BuiltFile):
    """One workbook built by a worker: a report or the quarterly return (report RETURN) of a unit for
    a period, as of a day (probation and lateness count to it), from the data at `data_version`."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    report = models.CharField(_("báo cáo"), max_length=20)
    period = models.CharField(_("kỳ báo cáo"), max_length=200)  # the period's GET parameters, urlencoded
    period_label = models.CharField(_("kỳ"), max_length=200, blank=True)
    as_of = models.DateField(_("tính đến ngày"))
    data_version = models.CharField(_("phiên bản dữ liệu"), max_length=200)

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


class SubmittedReturnQuerySet(RestrictedQuerySet):
    def for_quarter(self, year, quarter):
        return self.filter(year=year, quarter=quarter)

    def without_workbook(self):
        """The list's columns, never the stored bytes (a province's workbook is megabytes)."""
        return self.defer("workbook")


class SubmittedReturn(models.Model):
    """A unit's quarterly return as it was submitted. A unit may submit again (after the committee
    above reopened the quarter, say): the latest counts, the earlier ones stay."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="submitted_returns", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=QUARTER_CHOICES)
    workbook = models.BinaryField(_("tệp báo cáo đã gửi"))
    filename = models.CharField(_("tên tệp"), max_length=255)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người gửi"),
    )
    submitted_at = models.DateTimeField(_("gửi lúc"), auto_now_add=True)

    objects = SubmittedReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo quý đã nộp")
        verbose_name_plural = _("báo cáo quý đã nộp")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["year", "quarter", "unit"], name="submitted_return_quarter")]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="submitted_return_1_to_4"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.label}"

    @property
    def label(self):
        return quarter_label(self.year, self.quarter)

    @property
    def size(self):
        return len(self.workbook)
