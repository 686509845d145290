"""The reports as Excel workbooks (openpyxl), and the quarterly return: one sheet per report.

Other tools read these workbooks: the sheet names "Tiến độ" and "Cơ cấu" and their header texts
are a contract (see SHEET_* and *_HEADERS below), so they are plain strings, not translations.
Numbers are stored as numbers; the formats carry the Vietnamese locale tag [$-42A] so LibreOffice
shows 6.311 and 94,4% whatever the machine's locale (Excel keeps the system's separators).
"""

import datetime
from io import BytesIO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from recruitment.pool import pool_report
from recruitment.selectors import course_summary
from units import paths
from units.formatting import vn_int
from units.models import ClosedQuarter, GrassrootsType
from units.periods import quarter_label
from units.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE  # re-exported: the views answer with it
from units.spreadsheets import set_safe_value
from units.tree import Tree

from . import selectors

INT_FORMAT = "[$-42A]#,##0"
PERCENT_FORMAT = "[$-42A]0.0%"
DECIMAL_FORMAT = "[$-42A]#,##0.0"
DATE_FORMAT = "DD/MM/YYYY"
DATE_TYPES = (datetime.date, datetime.time, datetime.timedelta)  # datetime.datetime is a date

# The contract.
SHEET_PROGRESS = "Tiến độ"
SHEET_BREAKDOWN = "Cơ cấu"
PROGRESS_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Đã kết nạp", "Tỷ lệ đạt"]
PROGRESS_TOTAL = "Tổng cộng"
BREAKDOWN_HEADERS = ["Nội dung", "Số lượng", "Tỷ lệ"]
# After the columns above: where each unit's member count comes from ("theo báo cáo" / "cộng từ chi
# bộ"), and a note where its own figure differs from the sum below it.
PROGRESS_MEMBERS_SOURCE = "Nguồn số đảng viên"
PROGRESS_MEMBERS_NOTE = "Ghi chú số đảng viên"

SHEET_BREAKDOWN_UNITS = "Cơ cấu theo đơn vị"
SHEET_PIPELINE = "Quy trình"
SHEET_COVERAGE = "Chưa kết nạp"
SHEET_PROBATION = "Dự bị"
SHEET_COURSES = "Lớp bồi dưỡng"
SHEET_POOL = "Nguồn kết nạp"

HEADER_ROW = 4  # rows 1-2: title naming the unit and the period; row 3: closed quarters, if any
_bold = Font(bold=True)
_header_fill = PatternFill("solid", fgColor="F2DCDB")
_thin = Side(style="thin", color="999999")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
LOW_FILL = PatternFill("solid", fgColor="F8D7DA")
HIGH_FILL = PatternFill("solid", fgColor="D1E7DD")


class Sheet:
    """A report sheet: title rows, a frozen header, widths, landscape A4; rows appended below.

    The sheet is write-only: openpyxl writes each row out as it is appended, so widths and panes are
    set before the first row, and a row number skipped (`sheet.row += 1`) is written as an empty row.
    """

    def __init__(self, workbook, name, *, heading, unit, period, headers, widths):
        self.ws = ws = workbook.create_sheet(name)
        for column, (_header, width) in enumerate(zip(headers, widths), start=1):
            ws.column_dimensions[get_column_letter(column)].width = width
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_options.horizontalCentered = True
        self.row = 0
        self._written = 0  # rows handed to openpyxl so far
        self.columns = len(headers)
        self._line([self._cell(f"{heading} — {unit.name}", font=Font(bold=True, size=13))])
        self._line([self._cell(period.label, font=Font(italic=True))])
        note = " — ".join(filter(None, (closed_note(unit, period), tree_note(unit))))
        if note:
            self._line([self._cell(note, font=Font(italic=True, color="7F1D1D"))])
        self.row = HEADER_ROW - 1
        header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self._line(
            [
                self._cell(header, font=_bold, fill=_header_fill, border=_box, alignment=header_alignment)
                for header in headers
            ]
        )
        # Styling a cell through openpyxl hashes the style objects every time (20,000 rows of a
        # province took 20 s that way). So each kind of row (its width, formats, bold, fill) gets one
        # row of styled cells, made once; each row of that kind puts its values in those cells and
        # appends them, and openpyxl writes the row out before append returns.
        self._row_cells = {}

    def _cell(self, value, *, number_format=None, font=None, fill=None, border=None, alignment=None):
        cell = WriteOnlyCell(self.ws)
        if border is not None:
            cell.border = border
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        return set_safe_value(cell, value)

    def _line(self, cells):
        """Write `cells` as row `self.row + 1` (after empty rows for any row numbers skipped)."""
        self.row += 1
        while self._written < self.row - 1:
            self.ws.append([])
            self._written += 1
        self.ws.append(cells)
        self._written += 1
        return self.row

    def _cells_of_row(self, width, formats, bold, fill):
        """The row of styled cells for this kind of row, and which of them show dates."""
        key = (width, tuple(formats), bold, id(fill))
        kind = self._row_cells.get(key)
        if kind is None:
            font = _bold if bold else None
            number_formats = [*formats[:width], *[None] * (width - len(formats))]
            cells = [
                self._cell(None, number_format=number_format, font=font, fill=fill, border=_box)
                for number_format in number_formats
            ]
            dated = [bool(number_format) and is_date_format(number_format) for number_format in number_formats]
            kind = self._row_cells[key] = (cells, dated)
        return kind

    def append(self, values, formats=(), *, bold=False, fill=None):
        """Write a row of `values` below the last, with a box, the given number formats, bold, fill.

        Text beginning with "=" is written as text: these workbooks hold no formulas."""
        cells, dated = self._cells_of_row(len(values), formats, bold, fill)
        row = []
        for cell, shows_dates, value in zip(cells, dated, values):
            if not shows_dates and isinstance(value, DATE_TYPES):
                # A date where no date format was given: openpyxl gives its cell a date format, which
                # a shared cell would keep for the rows after; so a cell of its own.
                cell = self._cell(None, font=_bold if bold else None, fill=fill, border=_box)
            row.append(set_safe_value(cell, value))
        return self._line(row)


def closed_note(unit, period):
    """ "Đã khóa sổ quý III/2026" for the closed quarters (of the unit or above it) in the period: the
    figures of those quarters are final. One query per unit and period, whatever the number of sheets."""
    cache = unit.__dict__.setdefault("_closed_notes", {})
    key = (period.start, period.end)
    if key not in cache:
        day = getattr(unit, "tree_date", None)
        if day is None:
            binding = ClosedQuarter.objects.covering(unit)
        else:  # the closures of the unit and the units above it in the tree of that day
            binding = ClosedQuarter.objects.filter(
                unit__placements__path__in=paths.ancestor_paths(unit.path),
                unit__placements__valid_from__lte=day,
                unit__placements__valid_to__gt=day,
            )
        closures = binding.overlapping(period.start, period.end).order_by("year", "quarter")
        labels = list(dict.fromkeys(str(closure.label) for closure in closures))
        cache[key] = _("Đã khóa sổ %(quarters)s") % {"quarters": ", ".join(labels)} if labels else ""
    return cache[key]


def _new_workbook():
    return Workbook(write_only=True)


# --- one function per report ------------------------------------------------------------------------


def members_note(row):
    """The return's note where a unit's own member figure differs from the sum below it ("" otherwise)."""
    if not row.members_disagree:
        return ""
    return _("Số theo báo cáo %(own)s khác số cộng từ các đơn vị trực thuộc %(below)s") % {
        "own": vn_int(row.headcount.own),
        "below": vn_int(row.headcount.below),
    }


def add_progress_sheet(workbook, report):
    # The members' source and the note come last: the columns before them are read by other tools.
    headers = [
        *PROGRESS_HEADERS,
        "Còn lại",
        "Dự kiến cả năm",
        "Số đảng viên",
        "Tỷ lệ kết nạp/đảng viên",
        PROGRESS_MEMBERS_SOURCE,
        PROGRESS_MEMBERS_NOTE,
    ]
    sheet = Sheet(
        workbook,
        SHEET_PROGRESS,
        heading=_("Tiến độ kết nạp đảng viên"),
        unit=report.unit,
        period=report.period,
        headers=headers,
        widths=[14, 42, 12, 12, 11, 11, 14, 14, 14, 16, 40],
    )
    formats = [None, None, INT_FORMAT, INT_FORMAT, PERCENT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, PERCENT_FORMAT]

    def values(row, code, name):
        return [
            code,
            name,
            row.target,
            row.admitted,
            row.ratio,
            row.remaining,
            row.projected,
            row.members,
            row.member_share,
            str(row.members_source) or None,
            members_note(row) or None,
        ]

    for row in report.rows:
        fill = LOW_FILL if row.is_low else HIGH_FILL if row.is_high else None
        sheet.append(values(row, row.unit.code, row.unit.name), formats, fill=fill)
    total = report.total
    sheet.append(values(total, total.unit.code, PROGRESS_TOTAL), formats, bold=True)
    return sheet


def add_breakdown_sheet(workbook, report):
    sheet = Sheet(
        workbook,
        SHEET_BREAKDOWN,
        heading=_("Cơ cấu đảng viên mới kết nạp"),
        unit=report.unit,
        period=report.period,
        headers=BREAKDOWN_HEADERS,
        widths=[40, 12, 10],
    )
    for line in report.lines:
        sheet.append([line.label, line.count, line.share], [None, INT_FORMAT, PERCENT_FORMAT], bold=line.key == "total")
    return sheet


def add_breakdown_units_sheet(workbook, report):
    categories = report.categories
    headers = [_("Mã đơn vị"), _("Tên đơn vị"), *[c.label for c in categories]]
    sheet = Sheet(
        workbook,
        SHEET_BREAKDOWN_UNITS,
        heading=_("Cơ cấu đảng viên mới kết nạp theo đơn vị"),
        unit=report.unit,
        period=report.period,
        headers=headers,
        widths=[14, 36, *[12] * len(categories)],
    )
    formats = [None, None, *[INT_FORMAT] * len(categories)]
    for unit, counts in report.rows:
        sheet.append([unit.code, unit.name, *[counts[c.key] for c in categories]], formats)
    totals = {line.key: line.count for line in report.lines}
    sheet.append([report.unit.code, PROGRESS_TOTAL, *[totals[c.key] for c in categories]], formats, bold=True)
    return sheet


def add_pipeline_sheet(workbook, report):
    stages = report.stages
    headers = [_("Mã đơn vị"), _("Tên đơn vị"), *[str(stage.label) for stage in stages]]
    sheet = Sheet(
        workbook,
        SHEET_PIPELINE,
        heading=_("Số người theo từng bước của quy trình kết nạp"),
        unit=report.unit,
        period=report.period,
        headers=headers,
        widths=[14, 36, *[14] * len(stages)],
    )
    formats = [None, None, *[INT_FORMAT] * len(stages)]
    for unit, counts in report.rows:
        sheet.append([unit.code, unit.name, *[counts[stage.value] for stage in stages]], formats)
    sheet.append(
        [report.unit.code, PROGRESS_TOTAL, *[report.totals[stage.value] for stage in stages]], formats, bold=True
    )
    # The flow through the steps in the period, under the table.
    sheet.row += 1
    sheet.append([_("Bước"), _("Số người trong kỳ"), _("Tỷ lệ so với bước trước"), _("Số ngày (trung vị)")], bold=True)
    for step in report.flow:
        sheet.append(
            [str(step.label), step.reached, step.conversion, step.median_days],
            [None, INT_FORMAT, PERCENT_FORMAT, DECIMAL_FORMAT],
        )
    return sheet


def add_coverage_sheet(workbook, report):
    sheet = Sheet(
        workbook,
        SHEET_COVERAGE,
        heading=_("Chi bộ, tổ chức cơ sở đảng chưa kết nạp đảng viên"),
        unit=report.unit,
        period=report.period,
        headers=[_("Mã đơn vị"), _("Tên chi bộ"), _("Tổ chức cơ sở đảng")],
        widths=[14, 40, 40],
    )
    for cell in report.idle_cells:
        sheet.append([cell.code, cell.name, cell.grassroots.name if cell.grassroots else ""])
    sheet.row += 1
    sheet.append([_("Mã đơn vị"), _("Tổ chức cơ sở đảng chưa kết nạp"), _("Loại hình")], bold=True)
    # Thousands of organisations share a handful of types: each label is translated once.
    type_labels = {value: str(label) for value, label in GrassrootsType.choices}
    for org in report.idle_grassroots:
        sheet.append([org.code, org.name, type_labels.get(org.grassroots_type, org.grassroots_type)])
    sheet.row += 1
    summary = [
        (_("Số chi bộ"), report.cell_count, INT_FORMAT),
        (_("Số chi bộ chưa kết nạp"), len(report.idle_cells), INT_FORMAT),
        (_("Số tổ chức cơ sở đảng"), report.grassroots_count, INT_FORMAT),
        (_("Số tổ chức cơ sở đảng có kết nạp"), report.grassroots_admitting, INT_FORMAT),
        (_("Tỷ lệ tổ chức cơ sở đảng có kết nạp"), report.grassroots_share, PERCENT_FORMAT),
    ]
    for label, value, number_format in summary:
        sheet.append(["", label, value], [None, None, number_format], bold=True)
    return sheet


def add_probation_sheet(workbook, report):
    headers = [
        _("Họ và tên"),
        _("Chi bộ"),
        _("Ngày lễ kết nạp"),
        _("Hết 12 tháng dự bị"),
        _("Hạn xét công nhận"),
        _("Ghi chú"),
    ]
    sheet = Sheet(
        workbook,
        SHEET_PROBATION,
        heading=_("Đảng viên dự bị"),
        unit=report.unit,
        period=report.period,
        headers=headers,
        widths=[30, 32, 14, 14, 14, 24],
    )
    formats = [None, None, DATE_FORMAT, DATE_FORMAT, DATE_FORMAT]
    overdue_ids = {candidate.pk for candidate in report.overdue}
    ending_ids = {candidate.pk for candidate in report.ending}
    overdue_note = _("Quá hạn")
    for candidate in report.ending:
        note = overdue_note if candidate.pk in overdue_ids else ""
        sheet.append(
            [
                candidate.full_name,
                candidate.cell.name,
                candidate.ceremony_date,
                candidate.official_from,
                candidate.recognition_due,
                note,
            ],
            formats,
        )
    for candidate in report.overdue:
        if candidate.pk in ending_ids:
            continue
        sheet.append(
            [
                candidate.full_name,
                candidate.cell.name,
                candidate.ceremony_date,
                candidate.official_from,
                candidate.recognition_due,
                _("Quá hạn %(days)d ngày làm việc") % {"days": candidate.days_overdue},
            ],
            formats,
            fill=LOW_FILL,
        )
    return sheet


def add_courses_sheet(workbook, summary):
    """Awareness courses: per unit below, courses held, participants and certificates issued; then the
    courses held in the period."""
    sheet = Sheet(
        workbook,
        SHEET_COURSES,
        heading=_("Lớp bồi dưỡng nhận thức về Đảng"),
        unit=summary.unit,
        period=summary.period,
        headers=[_("Mã đơn vị"), _("Tên đơn vị"), _("Số lớp mở"), _("Số học viên"), _("Số giấy chứng nhận đã cấp")],
        widths=[14, 42, 12, 12, 16],
    )
    formats = [None, None, INT_FORMAT, INT_FORMAT, INT_FORMAT]
    for row in summary.rows:
        sheet.append([row.unit.code, row.unit.name, row.courses, row.participants, row.certificates], formats)
    total = summary.total
    sheet.append(
        [total.unit.code, PROGRESS_TOTAL, total.courses, total.participants, total.certificates], formats, bold=True
    )
    sheet.row += 1
    sheet.append(
        [
            _("Số lớp"),
            _("Đơn vị mở lớp"),
            _("Khai giảng"),
            _("Bế giảng"),
            _("Địa điểm"),
            _("Học viên"),
            _("Đạt"),
            _("Đã cấp giấy"),
        ],
        bold=True,
    )
    course_formats = [None, None, DATE_FORMAT, DATE_FORMAT, None, INT_FORMAT, INT_FORMAT, INT_FORMAT]
    for course in summary.courses:
        sheet.append(
            [
                course.number,
                course.organiser.name,
                course.start_date,
                course.end_date,
                course.place,
                course.participant_count,
                course.passed_count,
                course.certificate_count,
            ],
            course_formats,
        )
    return sheet


def add_pool_sheet(workbook, report):
    """The pool of outstanding persons: the flow over the period, the pool target, the cells' reviews;
    then the cells that did not review their pool in the period's last quarter."""
    sheet = Sheet(
        workbook,
        SHEET_POOL,
        heading=_("Nguồn kết nạp (quần chúng ưu tú)"),
        unit=report.unit,
        period=report.period,
        headers=[
            _("Mã đơn vị"),
            _("Tên đơn vị"),
            _("Đầu kỳ"),
            _("Bổ sung"),
            _("Được kết nạp"),
            _("Ra khỏi nguồn"),
            _("Cuối kỳ"),
            _("Chỉ tiêu nguồn"),
            _("Tỷ lệ đạt"),
            _("Số chi bộ"),
            _("Chi bộ đã rà soát"),
            _("Đề nghị kết nạp"),
        ],
        widths=[14, 40, 10, 10, 12, 12, 10, 12, 10, 10, 12, 12],
    )
    formats = [None, None, *[INT_FORMAT] * 6, PERCENT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT]

    def values(row, name):
        return [
            row.unit.code,
            name,
            row.at_start,
            row.added,
            row.admitted,
            row.left,
            row.at_end,
            row.target,
            row.target_ratio,
            row.cells,
            row.reviewed,
            row.ready,
        ]

    for row in report.rows:
        sheet.append(values(row, row.unit.name), formats, fill=LOW_FILL if row.below_target else None)
    sheet.append(values(report.total, PROGRESS_TOTAL), formats, bold=True)
    sheet.row += 1
    sheet.append(
        [
            _("Mã đơn vị"),
            _("Chi bộ chưa rà soát nguồn %(quarter)s") % {"quarter": quarter_label(report.year, report.quarter)},
        ],
        bold=True,
    )
    for cell in report.unreviewed_cells.iterator(chunk_size=2000):
        sheet.append([cell.code, cell.name])
    return sheet


def _course_summary(unit, period, candidates, today, tree=None):
    summary = course_summary(unit, period.start, period.end, tree=tree)
    summary.period = period
    return summary


def _pool_report(unit, period, candidates, today, tree=None):
    report = pool_report(unit, period.start, period.end, candidates=candidates, today=today, tree=tree)
    report.period = period
    return report


# --- workbooks ----------------------------------------------------------------------------------------

REPORT_SELECTORS = {
    "progress": lambda unit, period, candidates, today, tree: selectors.progress_report(
        unit, period, candidates=candidates, today=today, tree=tree
    ),
    "breakdown": lambda unit, period, candidates, today, tree: selectors.breakdown_report(
        unit, period, candidates=candidates, tree=tree
    ),
    "pipeline": lambda unit, period, candidates, today, tree: selectors.pipeline_report(
        unit, period, candidates=candidates, tree=tree
    ),
    "coverage": lambda unit, period, candidates, today, tree: selectors.coverage_report(
        unit, period, candidates=candidates, tree=tree
    ),
    "probation": lambda unit, period, candidates, today, tree: selectors.probation_report(
        unit, period, candidates=candidates, today=today, tree=tree
    ),
    "courses": _course_summary,
    "pool": _pool_report,
}


def tree_note(unit):
    """The day of the tree the figures are counted by (a unit read from a dated tree carries it:
    units.tree), under the period in row 3."""
    day = getattr(unit, "tree_date", None)
    if day is None:
        return ""
    return _("Theo cây tổ chức ngày %(date)s") % {"date": day.strftime("%d/%m/%Y")}


def dated(unit, period, *, today_tree=False, today=None):
    """(the unit as it stood, the tree) a report of `period` counts by: the tree on the period's last
    day, or with `today_tree` today's (units.tree.Tree.locate)."""
    day = (today or timezone.localdate()) if today_tree else period.end
    return Tree.as_of(day).locate(unit)


# Other tools read these workbooks by their Vietnamese sheet names and labels (the sheets' contract),
# so they are built in Vietnamese whatever language the person's pages are in.
@translation.override("vi")
def build_reports(unit, period, *, candidates, today, names=None, tree=None):
    """{name: report} for the named reports (all five, the quarterly return, by default), counted by
    `tree` (`unit` as it located it; without one, today's tree)."""
    return {name: REPORT_SELECTORS[name](unit, period, candidates, today, tree) for name in (names or REPORT_SELECTORS)}


SHEET_WRITERS = {
    "progress": (add_progress_sheet,),
    "breakdown": (add_breakdown_sheet, add_breakdown_units_sheet),
    "pipeline": (add_pipeline_sheet,),
    "coverage": (add_coverage_sheet,),
    "probation": (add_probation_sheet,),
    "courses": (add_courses_sheet,),
    "pool": (add_pool_sheet,),
}


@translation.override("vi")
def report_workbook(reports):
    """A workbook with the sheets of the given {name: report}; all five make the quarterly return.

    Write-only (openpyxl streams its rows): save it once (workbook_bytes); to read it, open what was saved."""
    workbook = _new_workbook()
    for name, report in reports.items():
        for writer in SHEET_WRITERS[name]:
            writer(workbook, report)
    workbook.properties.title = _("Báo cáo công tác phát triển đảng viên")
    workbook.properties.language = "vi-VN"
    return workbook


def quarterly_return(unit, period, *, candidates, today, tree=None):
    return report_workbook(build_reports(unit, period, candidates=candidates, today=today, tree=tree))


def workbook_bytes(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report_name, unit, period):
    """An ASCII file name: unit code and period, safe in every browser's download bar."""
    slug = "-".join(f"{key}{value}" for key, value in period.query_params().items())
    safe_code = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in unit.code)
    return f"{report_name}_{safe_code}_{slug}.xlsx"
