"""The reports as Excel workbooks (openpyxl), and the quarterly return: one sheet per report.

Other tools read these workbooks: the sheet names "Tiến độ" and "Cơ cấu" and their header texts
are a contract (see SHEET_* and *_HEADERS below), so they are plain strings, not translations.
Numbers are stored as numbers; the formats carry the Vietnamese locale tag [$-42A] so LibreOffice
shows 6.311 and 94,4% whatever the machine's locale (Excel keeps the system's separators).
"""

from io import BytesIO

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from units.models import ClosedQuarter, GrassrootsType

from . import selectors

INT_FORMAT = "[$-42A]#,##0"
PERCENT_FORMAT = "[$-42A]0.0%"
DECIMAL_FORMAT = "[$-42A]#,##0.0"
DATE_FORMAT = "DD/MM/YYYY"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The contract.
SHEET_PROGRESS = "Tiến độ"
SHEET_BREAKDOWN = "Cơ cấu"
PROGRESS_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Đã kết nạp", "Tỷ lệ đạt"]
PROGRESS_TOTAL = "Tổng cộng"
BREAKDOWN_HEADERS = ["Nội dung", "Số lượng", "Tỷ lệ"]

SHEET_BREAKDOWN_UNITS = "Cơ cấu theo đơn vị"
SHEET_PIPELINE = "Quy trình"
SHEET_COVERAGE = "Chưa kết nạp"
SHEET_PROBATION = "Dự bị"

HEADER_ROW = 4  # rows 1-2: title naming the unit and the period; row 3: closed quarters, if any
_bold = Font(bold=True)
_header_fill = PatternFill("solid", fgColor="F2DCDB")
_thin = Side(style="thin", color="999999")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
LOW_FILL = PatternFill("solid", fgColor="F8D7DA")
HIGH_FILL = PatternFill("solid", fgColor="D1E7DD")


class Sheet:
    """A report sheet: title rows, a frozen header, widths, landscape A4; rows appended below."""

    def __init__(self, workbook, name, *, heading, unit, period, headers, widths):
        self.ws = workbook.create_sheet(name)
        ws = self.ws
        ws["A1"] = f"{heading} — {unit.name}"
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"] = period.label
        ws["A2"].font = Font(italic=True)
        note = closed_note(unit, period)
        if note:
            ws["A3"] = note
            ws["A3"].font = Font(italic=True, color="7F1D1D")
        for column, (header, width) in enumerate(zip(headers, widths), start=1):
            cell = ws.cell(row=HEADER_ROW, column=column, value=header)
            cell.font, cell.fill, cell.border = _bold, _header_fill, _box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(column)].width = width
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_options.horizontalCentered = True
        self.row = HEADER_ROW
        self.columns = len(headers)
        # Styling a cell through openpyxl's descriptors hashes the style objects every time: 20,000
        # rows of a province took 20 s. Each combination is styled once; a row's styles are worked
        # out once per kind of row and handed to the cells' constructor, which copies the style ids
        # (so restyling one cell later cannot restyle the others) and binds a date under its format.
        self._styles = {}
        self._row_styles = {}

    def _style(self, number_format, bold, fill):
        key = (number_format, bold, id(fill))
        style = self._styles.get(key)
        if style is None:
            cell = Cell(self.ws)
            cell.border = _box
            if number_format:
                cell.number_format = number_format
            if bold:
                cell.font = _bold
            if fill is not None:
                cell.fill = fill
            style = self._styles[key] = cell._style
        return style

    def _styles_of_row(self, width, formats, bold, fill):
        key = (width, tuple(formats), bold, id(fill))
        styles = self._row_styles.get(key)
        if styles is None:
            styles = self._row_styles[key] = [
                self._style(formats[index] if index < len(formats) else None, bold, fill) for index in range(width)
            ]
        return styles

    def append(self, values, formats=(), *, bold=False, fill=None):
        self.row += 1
        row, ws = self.row, self.ws
        cells = ws._cells  # what Worksheet.append fills; the cells are made directly, styled in their constructor
        styles = self._styles_of_row(len(values), formats, bold, fill)
        for column, (value, style) in enumerate(zip(values, styles), start=1):
            cell = cells[(row, column)] = Cell(ws, row, column, value, style)
            if cell.data_type == "f":
                cell.data_type = "s"  # these workbooks hold no formulas: "=..." typed into a name stays text
        return row


def closed_note(unit, period):
    """ "Đã khóa sổ quý III/2026" for the closed quarters (of the unit or above it) in the period: the
    figures of those quarters are final. One query per unit and period, whatever the number of sheets."""
    cache = unit.__dict__.setdefault("_closed_notes", {})
    key = (period.start, period.end)
    if key not in cache:
        closures = (
            ClosedQuarter.objects.covering(unit).overlapping(period.start, period.end).order_by("year", "quarter")
        )
        labels = list(dict.fromkeys(str(closure.label) for closure in closures))
        cache[key] = _("Đã khóa sổ %(quarters)s") % {"quarters": ", ".join(labels)} if labels else ""
    return cache[key]


def _new_workbook():
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


# --- one function per report ------------------------------------------------------------------------


def add_progress_sheet(workbook, report):
    headers = [*PROGRESS_HEADERS, "Còn lại", "Dự kiến cả năm", "Số đảng viên", "Tỷ lệ kết nạp/đảng viên"]
    sheet = Sheet(
        workbook,
        SHEET_PROGRESS,
        heading=_("Tiến độ kết nạp đảng viên"),
        unit=report.unit,
        period=report.period,
        headers=headers,
        widths=[14, 42, 12, 12, 11, 11, 14, 14, 14],
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
                _("Quá hạn %(days)d ngày") % {"days": candidate.days_overdue},
            ],
            formats,
            fill=LOW_FILL,
        )
    return sheet


# --- workbooks ----------------------------------------------------------------------------------------

REPORT_SELECTORS = {
    "progress": lambda unit, period, candidates, today: selectors.progress_report(
        unit, period, candidates=candidates, today=today
    ),
    "breakdown": lambda unit, period, candidates, today: selectors.breakdown_report(
        unit, period, candidates=candidates
    ),
    "pipeline": lambda unit, period, candidates, today: selectors.pipeline_report(unit, period, candidates=candidates),
    "coverage": lambda unit, period, candidates, today: selectors.coverage_report(unit, period, candidates=candidates),
    "probation": lambda unit, period, candidates, today: selectors.probation_report(
        unit, period, candidates=candidates, today=today
    ),
}


# Other tools read these workbooks by their Vietnamese sheet names and labels (the contract in
# issue 4), so they are built in Vietnamese whatever language the person's pages are in.
@translation.override("vi")
def build_reports(unit, period, *, candidates, today, names=None):
    """{name: report} for the named reports (all five, the quarterly return, by default)."""
    return {name: REPORT_SELECTORS[name](unit, period, candidates, today) for name in (names or REPORT_SELECTORS)}


SHEET_WRITERS = {
    "progress": (add_progress_sheet,),
    "breakdown": (add_breakdown_sheet, add_breakdown_units_sheet),
    "pipeline": (add_pipeline_sheet,),
    "coverage": (add_coverage_sheet,),
    "probation": (add_probation_sheet,),
}


@translation.override("vi")
def report_workbook(reports):
    """A workbook with the sheets of the given {name: report}; all five make the quarterly return."""
    workbook = _new_workbook()
    for name, report in reports.items():
        for writer in SHEET_WRITERS[name]:
            writer(workbook, report)
    workbook.properties.title = _("Báo cáo công tác phát triển đảng viên")
    workbook.properties.language = "vi-VN"
    return workbook


def quarterly_return(unit, period, *, candidates, today):
    return report_workbook(build_reports(unit, period, candidates=candidates, today=today))


def workbook_bytes(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report_name, unit, period):
    """An ASCII file name: unit code and period, safe in every browser's download bar."""
    slug = "-".join(f"{key}{value}" for key, value in period.query_params().items())
    safe_code = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in unit.code)
    return f"{report_name}_{safe_code}_{slug}.xlsx"
