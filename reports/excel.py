"""The reports as Excel workbooks (xlsxwriter), and the quarterly return: one sheet per report.

Other tools read these workbooks: the sheet names "Tiến độ" and "Cơ cấu" and their header texts
are a contract (see SHEET_* and *_HEADERS below), so they are plain strings, not translations.
Numbers are stored as numbers; the formats carry the Vietnamese locale tag [$-42A] so LibreOffice
shows 6.311 and 94,4% whatever the machine's locale (Excel keeps the system's separators).

The workbooks are written with xlsxwriter in constant-memory mode (units.spreadsheets.StreamingWorkbook):
each row goes out as the next one starts, at about half the cost a cell of openpyxl's writer; openpyxl only
reads workbooks.
"""

import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.styles import is_date_format

from recruitment.pool import pool_report
from recruitment.selectors import course_summary
from units import paths
from units.formatting import vn_int
from units.models import ClosedQuarter, GrassrootsType
from units.periods import PeriodKind, quarter_label
from units.spreadsheets import DATE_TYPES as DATE_TYPES  # re-exported
from units.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE  # re-exported: the views answer with it
from units.spreadsheets import StreamingWorkbook, write_safe_row
from units.tree import Tree

from . import selectors

INT_FORMAT = "[$-42A]#,##0"
PERCENT_FORMAT = "[$-42A]0.0%"
DECIMAL_FORMAT = "[$-42A]#,##0.0"
DATE_FORMAT = "DD/MM/YYYY"
# The format of a date written where the row gave none, by the value's type.
_OWN_DATE_FORMATS = (
    (datetime.datetime, "DD/MM/YYYY HH:MM"),
    (datetime.date, DATE_FORMAT),
    (datetime.time, "HH:MM:SS"),
    (datetime.timedelta, "[H]:MM:SS"),
)

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
# A quarter's sheet, before the members' source: admissions from 1/1 to the period's end, and that
# against the year's target (year_to_date_columns).
PROGRESS_YEAR_TO_DATE = ["Lũy kế từ đầu năm", "% kế hoạch năm"]

SHEET_BREAKDOWN_UNITS = "Cơ cấu theo đơn vị"
SHEET_PIPELINE = "Quy trình"
SHEET_COVERAGE = "Chưa kết nạp"
SHEET_PROBATION = "Dự bị"
SHEET_COURSES = "Lớp bồi dưỡng"
SHEET_POOL = "Nguồn kết nạp"

HEADER_ROW = 4  # rows 1-2: title naming the unit and the period; row 3: closed quarters, if any
# Fills (the cell's background colour), for Sheet.append(fill=...).
LOW_FILL = "#F8D7DA"
HIGH_FILL = "#D1E7DD"
HEADER_FILL = "#F2DCDB"
_BOX = {"border": 1, "border_color": "#999999"}  # thin grey lines around every cell of the table
_PAPER_A4 = 9


def _fill_colour(fill):
    """A fill as xlsxwriter's colour: "#F8D7DA" as it is; an openpyxl PatternFill by its colour."""
    if fill is None or isinstance(fill, str):
        return fill
    return "#" + str(fill.fgColor.rgb)[-6:]


class Sheet:
    """A report sheet: title rows, a frozen header, widths, landscape A4; rows appended below.

    Rows are written in order and go out as the next one starts (xlsxwriter's constant-memory mode),
    so a row once written is final; a row number skipped (`sheet.row += 1`) is left empty.
    `sheet.row` is the number (1-based, as Excel shows it) of the last row written."""

    def __init__(self, workbook, name, *, heading, unit, period, headers, widths):
        self.workbook = workbook
        self.ws = ws = workbook.add_worksheet(name)
        for column, (_header, width) in enumerate(zip(headers, widths)):
            ws.set_column(column, column, width)
        ws.freeze_panes(HEADER_ROW, 0)
        ws.set_landscape()
        ws.set_paper(_PAPER_A4)
        ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
        ws.repeat_rows(HEADER_ROW - 1)
        ws.center_horizontally()
        self.row = 0
        self.columns = len(headers)
        self._line([f"{heading} — {unit.name}"], [workbook.cell_format(bold=True, font_size=13)])
        self._line([period.label], [workbook.cell_format(italic=True)])
        note = " — ".join(filter(None, (closed_note(unit, period), tree_note(unit))))
        if note:
            self._line([note], [workbook.cell_format(italic=True, font_color="#7F1D1D")])
        self.row = HEADER_ROW - 1
        header_format = workbook.cell_format(
            bold=True, pattern=1, bg_color=HEADER_FILL, align="center", valign="vcenter", text_wrap=True, **_BOX
        )
        self._line(headers, [header_format] * len(headers))
        # Each kind of row (its width, number formats, bold, fill) gets its formats once.
        self._row_formats = {}

    def _line(self, values, cell_formats):
        """Write `values` as row `self.row + 1` with the given xlsxwriter formats."""
        self.row += 1
        write_safe_row(self.ws, self.row - 1, values, cell_formats)
        return self.row

    def _formats_of_row(self, width, formats, bold, fill):
        """The formats of this kind of row, and how it chooses the format of a date."""
        key = (width, tuple(formats), bold, _fill_colour(fill))
        kind = self._row_formats.get(key)
        if kind is None:
            number_formats = [*formats[:width], *[None] * (width - len(formats))]
            cell_formats = [self._format(number_format, bold, fill) for number_format in number_formats]
            dated = [bool(number_format) and is_date_format(number_format) for number_format in number_formats]

            def date_format(column, value):
                if dated[column]:
                    return cell_formats[column]
                # A date where no date format was given: a format that shows it as a date.
                number_format = next(shown for type_, shown in _OWN_DATE_FORMATS if isinstance(value, type_))
                return self._format(number_format, bold, fill)

            kind = self._row_formats[key] = (cell_formats, date_format)
        return kind

    def _format(self, number_format, bold, fill):
        properties = dict(_BOX)
        if number_format:
            properties["num_format"] = number_format
        if bold:
            properties["bold"] = True
        colour = _fill_colour(fill)
        if colour:
            properties.update(pattern=1, bg_color=colour)
        return self.workbook.cell_format(**properties)

    def append(self, values, formats=(), *, bold=False, fill=None):
        """Write a row of `values` below the last, with a box, the given number formats, bold, fill.

        Text beginning with "=" is written as text: these workbooks hold no formulas."""
        cell_formats, date_format = self._formats_of_row(len(values), formats, bold, fill)
        self.row += 1
        write_safe_row(self.ws, self.row - 1, values, cell_formats, date_format)
        return self.row


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
    return StreamingWorkbook()


# --- one function per report ------------------------------------------------------------------------


def members_note(row):
    """The return's note where a unit's own member figure differs from the sum below it ("" otherwise)."""
    if not row.members_disagree:
        return ""
    return _("Số theo báo cáo %(own)s khác số cộng từ các đơn vị trực thuộc %(below)s") % {
        "own": vn_int(row.headcount.own),
        "below": vn_int(row.headcount.below),
    }


def year_to_date_columns(report):
    """Whether the progress sheet carries the year to date ("Lũy kế từ đầu năm", "% kế hoạch năm"): a
    quarter (the first too, so a year's four returns share one layout) and any part of a year the page
    shows it for; never a year, its first months or a term, whose sheet stays as it was."""
    return report.period.kind == PeriodKind.QUARTER or report.year_to_date_apart


def add_progress_sheet(workbook, report):
    # The columns before the year to date stay where other tools read them; the members' source and
    # the note come last.
    with_year_to_date = year_to_date_columns(report)
    headers = [
        *PROGRESS_HEADERS,
        "Còn lại",
        "Dự kiến cả năm",
        "Số đảng viên",
        "Tỷ lệ kết nạp/đảng viên",
        *(PROGRESS_YEAR_TO_DATE if with_year_to_date else ()),
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
        widths=[14, 42, 12, 12, 11, 11, 14, 14, 14, *((14, 12) if with_year_to_date else ()), 16, 40],
    )
    formats = [None, None, INT_FORMAT, INT_FORMAT, PERCENT_FORMAT, INT_FORMAT, INT_FORMAT, INT_FORMAT, PERCENT_FORMAT]
    if with_year_to_date:
        formats += [INT_FORMAT, PERCENT_FORMAT]

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
            *((row.year_to_date, row.year_ratio) if with_year_to_date else ()),
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
    sheet.append(
        [_("Bước"), _("Số người trong kỳ"), _("Tỷ lệ chuyển tiếp (theo người)"), _("Số ngày (trung vị)")], bold=True
    )
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
    # ~14,000 idle cells in a province: their rows are read as values (code, name, organisation's name).
    for row in report.idle_cell_values:
        sheet.append(row)
    sheet.row += 1
    sheet.append([_("Mã đơn vị"), _("Tổ chức cơ sở đảng chưa kết nạp"), _("Loại hình")], bold=True)
    # Thousands of organisations share a handful of types: each label is translated once.
    type_labels = {value: str(label) for value, label in GrassrootsType.choices}
    for code, name, grassroots_type in report.idle_grassroots_values:
        sheet.append([code, name, type_labels.get(grassroots_type, grassroots_type)])
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
    # Thousands of people in a province: the rows are read as values (selectors.ProbationRow).
    overdue_ids = {row.pk for row in report.overdue_values}
    ending_ids = {row.pk for row in report.ending_values}
    overdue_note = _("Quá hạn")
    for row in report.ending_values:
        note = overdue_note if row.pk in overdue_ids else ""
        sheet.append(
            [row.full_name, row.cell_name, row.ceremony_date, row.official_from, row.recognition_due, note],
            formats,
        )
    for row in report.overdue_values:
        if row.pk in ending_ids:
            continue
        sheet.append(
            [
                row.full_name,
                row.cell_name,
                row.ceremony_date,
                row.official_from,
                row.recognition_due,
                _("Quá hạn %(days)d ngày làm việc") % {"days": row.days_overdue},
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
    # Thousands of cells in a province: read as values, not objects.
    for code, name in report.unreviewed_cells.values_list("code", "name_then").iterator(chunk_size=2000):
        sheet.append([code, name])
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

    Written once (xlsxwriter streams its rows): save it once (workbook_bytes, or workbook.save(path));
    to read it, open what was saved with openpyxl."""
    workbook = _new_workbook()
    for name, report in reports.items():
        for writer in SHEET_WRITERS[name]:
            writer(workbook, report)
    workbook.title = _("Báo cáo công tác phát triển đảng viên")
    return workbook


def quarterly_return(unit, period, *, candidates, today, tree=None):
    return report_workbook(build_reports(unit, period, candidates=candidates, today=today, tree=tree))


def workbook_bytes(workbook):
    """The saved file's bytes (the workbook is closed by the first call; later calls give the same)."""
    return workbook.getvalue()


def filename(report_name, unit, period):
    """An ASCII file name: unit code and period, safe in every browser's download bar."""
    slug = "-".join(f"{key}{value}" for key, value in period.query_params().items())
    safe_code = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in unit.code)
    return f"{report_name}_{safe_code}_{slug}.xlsx"
