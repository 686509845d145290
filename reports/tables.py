"""The progress table: one class draws a unit's progress wherever it appears (the progress report,
the home page, the unit page), as NetBox draws a model with one table of reusable columns.

Rows are built as plain strings in Python, as Django's admin builds its change list rows: a
province's report has a row per committee, and a template variable with two filters per cell would
be most of the page's rendering. Every value is escaped.
"""

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from recruitment.progress import HIGH_RATIO, LOW_RATIO, sort_progress_rows
from units import formatting


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True


COLUMNS = {
    column.key: column
    for column in (
        Column("code", _("Mã đơn vị"), numeric=False),
        Column("name", _("Tên đơn vị"), numeric=False),
        Column("target", _("Chỉ tiêu")),
        Column("admitted", _("Đã kết nạp")),
        Column("ratio", _("Tỷ lệ đạt")),
        Column("remaining", _("Còn lại")),
        Column("projected", _("Dự kiến cả năm")),
        Column("members", _("Số đảng viên")),
        Column("members_source", _("Nguồn số đảng viên"), numeric=False),
        Column("share", _("Kết nạp/đảng viên")),
        Column("year_to_date", _("Lũy kế từ đầu năm")),
        Column("year_ratio", _("Lũy kế/chỉ tiêu năm")),
        Column("shortfall", _("Dự kiến thiếu")),
        Column("needed_per_month", _("Cần mỗi tháng")),
    )
}


def progress_bar(ratio):
    """A bar for the share of a target reached (None: no target). Only numbers go in."""
    if ratio is None:
        return '<span class="text-muted small">—</span>'
    percent = round(ratio * 100)
    tone = "bg-danger" if ratio < LOW_RATIO else "bg-success" if ratio >= HIGH_RATIO else "bg-warning text-dark"
    return (
        f'<div class="progress progress-ratio" role="progressbar" aria-valuenow="{percent}" aria-valuemin="0" '
        f'aria-valuemax="100"><div class="progress-bar {tone}" style="width: {percent}%">'
        f"{escape(formatting.vn_percent(ratio))}</div></div>"
    )


def _number(value):
    return formatting.vn_int(value) or "—"


FIGURES = {
    "target": lambda row: _number(row.target),
    "admitted": lambda row: formatting.vn_int(row.admitted),
    "ratio": lambda row: formatting.vn_percent(row.ratio),
    "remaining": lambda row: _number(row.remaining),
    "projected": lambda row: _number(row.projected),
    "members": lambda row: _number(row.members),
    "share": lambda row: formatting.vn_percent(row.member_share),
    "year_to_date": lambda row: _number(row.year_to_date),
    "year_ratio": lambda row: formatting.vn_percent(row.year_ratio),
    "shortfall": lambda row: _number(row.shortfall),
    "needed_per_month": lambda row: _number(row.needed_per_month),
}


class ProgressTable:
    """Rows of recruitment.progress.ProgressRow, with the columns asked for, each unit linking to
    `link` (a URL name taking the unit's `link_key`, with `link_query` appended), sorted by `sort`
    ("-name" descending) when the table is sortable, and the total in the footer when given."""

    REPORT = (
        "code",
        "name",
        "target",
        "admitted",
        "ratio",
        "remaining",
        "projected",
        "members",
        "members_source",
        "share",
    )
    # A quarter (or any part of a year after its first months): its own admissions, then the year to
    # date against the year's target, as the returns are written.
    QUARTER = (
        "code",
        "name",
        "target",
        "admitted",
        "year_to_date",
        "year_ratio",
        "projected",
        "members",
        "members_source",
        "share",
    )
    # Who will miss the year: the projection, the shortfall and the pace now needed.
    OUTLOOK = ("code", "name", "target", "admitted", "projected", "shortfall", "needed_per_month")
    SUMMARY = ("name", "target", "admitted", "projected")
    # The unit page: the summary and each unit's members, with where the figure comes from.
    UNIT = (*SUMMARY, "members", "members_source")

    def __init__(
        self,
        rows,
        *,
        columns=SUMMARY,
        total=None,
        link="dashboard:unit_detail",
        link_key="pk",
        link_query="",
        sort=None,
        sort_query="",
        testid="",
    ):
        self.columns = [COLUMNS[key] for key in columns]
        self.sortable = sort is not None
        self.sort = sort or ""
        self.sort_query = sort_query
        self.rows = sort_progress_rows(rows, self.sort) if self.sortable else rows
        self.total = total
        self.testid = testid
        # One reverse() with a placeholder, filled per row, rather than a reverse() per row.
        self._link = reverse(link, kwargs={link_key: 0 if link_key == "pk" else "-unit-"})
        self._placeholder = "/0/" if link_key == "pk" else "-unit-"
        self._link_key = link_key
        self._link_query = f"?{link_query}" if link_query else ""

    def __bool__(self):
        return bool(self.rows)

    @property
    def bar_label(self):
        """The bar's heading, where no column already says what it shows."""
        return "" if any(column.key in ("ratio", "year_ratio") for column in self.columns) else COLUMNS["ratio"].label

    def headers(self):
        """(column, sort link or None, arrow) for each column."""
        result = []
        for column in self.columns:
            if not self.sortable:
                result.append((column, None, ""))
                continue
            descending = self.sort == column.key
            arrow = " ▲" if self.sort == column.key else " ▼" if self.sort == f"-{column.key}" else ""
            prefix = f"{self.sort_query}&" if self.sort_query else ""
            result.append((column, f"?{prefix}sort={'-' if descending else ''}{column.key}", arrow))
        return result

    def url(self, unit):
        value = quote(str(getattr(unit, self._link_key)))
        if self._link_key == "pk":
            return self._link.replace(self._placeholder, f"/{value}/", 1) + self._link_query
        return self._link.replace(self._placeholder, value, 1) + self._link_query

    def cells(self, row, *, is_total=False):
        cells = []
        for column in self.columns:
            if column.key == "code":
                cells.append(f"<td>{escape(row.unit.code)}</td>")
            elif column.key == "name":
                if is_total:
                    cells.append(f"<td>{escape(gettext('Tổng cộng'))}</td>")
                else:
                    cells.append(
                        f'<td class="wrap report-unit-name"><a href="{escape(self.url(row.unit))}">'
                        f"{escape(row.unit.name)}</a>{self.badge(row)}</td>"
                    )
            elif column.key == "members_source":
                cells.append(f'<td class="small" data-members-source>{self.members_source(row)}</td>')
            elif column.key == "share" and row.share_outside_band:
                title = gettext("Ngoài mức 3–4% mỗi năm của Nghị quyết 21-NQ/TW")
                cells.append(
                    f'<td class="text-end text-danger fw-semibold" data-share-band="{row.share_outside_band}" '
                    f'title="{escape(title)}">{escape(FIGURES["share"](row))} ⚠</td>'
                )
            else:
                mark = ' data-testid="ratio"' if column.key == "ratio" else ""
                cells.append(f'<td class="text-end"{mark}>{escape(FIGURES[column.key](row))}</td>')
        cells.append(f'<td class="col-ratio">{progress_bar(row.headline_ratio)}</td>')
        return "".join(cells)

    @staticmethod
    def members_source(row):
        """ "theo báo cáo" or "cộng từ chi bộ"; where the unit's own figure differs from the sum below
        it, a warning badge with that sum ("≠ 1.150")."""
        if row.headcount is None or row.headcount.source is None:
            return "—"
        text = escape(str(row.members_source))
        if row.members_disagree:
            title = gettext("Số theo báo cáo khác số cộng từ các đơn vị trực thuộc: %(below)s") % {
                "below": formatting.vn_int(row.headcount.below)
            }
            text += (
                f' <span class="badge text-bg-warning" data-testid="members-mismatch" title="{escape(title)}">'
                f"≠ {escape(formatting.vn_int(row.headcount.below))}</span>"
            )
        return text

    @staticmethod
    def badge(row):
        if row.is_low and row.paced and row.elapsed < 1:
            label = gettext("Dưới 50% tiến độ")
            title = gettext("Lũy kế từ đầu năm chưa được một nửa mức cần có theo thời gian đã qua của năm")
            return f' <span class="badge text-bg-danger" data-flag="low" title="{escape(title)}">{escape(label)}</span>'
        if row.is_low:
            label = gettext("Dưới 50%")
            return f' <span class="badge text-bg-danger" data-flag="low">{escape(label)}</span>'
        if row.is_high:
            label = gettext("Vượt kế hoạch")
            return f' <span class="badge text-bg-success" data-flag="high">{escape(label)}</span>'
        if row.will_miss and row.months_left:
            label = gettext("Dự kiến không đạt")
            return f' <span class="badge text-bg-warning" data-flag="will-miss">{escape(label)}</span>'
        return ""

    @staticmethod
    def tone(row):
        return "table-danger" if row.is_low else "table-success" if row.is_high else ""

    def body(self):
        return mark_safe(
            "".join(
                f'<tr class="{self.tone(row)}" data-unit="{escape(row.unit.code)}">{self.cells(row)}</tr>'
                for row in self.rows
            )
        )

    def footer(self):
        if self.total is None:
            return ""
        return mark_safe(f'<tr class="fw-semibold" data-unit="total">{self.cells(self.total, is_total=True)}</tr>')
