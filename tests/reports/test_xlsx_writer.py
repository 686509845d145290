"""The workbooks written with xlsxwriter (units.spreadsheets.StreamingWorkbook, reports.excel.Sheet)
hold, cell for cell, what the report selectors give; read back with openpyxl, as other tools read them."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.utils.translation import gettext_lazy

from recruitment.models import Candidate, Ethnicity, Gender
from reports import excel
from tests.factories import CandidateFactory, admitted_fields
from units import services
from units.models import Unit
from units.periods import Period
from units.services import headcount_set, target_set
from units.spreadsheets import StreamingWorkbook, write_safe, write_safe_row

D = datetime.date
TODAY = D(2026, 3, 2)
PERIOD = Period.for_year(2025)


@pytest.fixture
def province_2025(tree, users):
    """A year with something on every sheet: admissions, targets and members (progress, breakdown,
    pipeline), people on the way, idle cells, probation ending and overdue, a closed quarter."""
    thai = Ethnicity.objects.get(name="Thái")
    for day in (D(2025, 2, 10), D(2025, 6, 1)):
        CandidateFactory(cell=tree.cell_a1, gender=Gender.FEMALE, ethnicity=thai, **admitted_fields(day))
    CandidateFactory(cell=tree.enterprise, youth_union_member=True, **admitted_fields(D(2025, 1, 1)))
    CandidateFactory(cell=tree.cell_b1, listed_on=D(2025, 3, 1))
    # Probation: 12 months ending in 2025 (one recognised late enough to be overdue now), one long overdue.
    CandidateFactory(cell=tree.cell_a2, ceremony_date=D(2024, 2, 10), **admitted_fields(D(2024, 2, 1)))
    CandidateFactory(cell=tree.cell_b1, ceremony_date=D(2023, 6, 10), **admitted_fields(D(2023, 6, 1)))
    target_set(unit=tree.province, admissions=8, year=2025)
    target_set(unit=tree.committee_a, admissions=2, year=2025)
    target_set(unit=tree.committee_b, admissions=40, year=2025)
    headcount_set(unit=tree.province, year=2025, members=500)
    services.quarter_close(actor=users.province_staff, unit=tree.province, year=2025, quarter=1, today=TODAY)
    # Names as people type them: one that looks like a formula, one with a character XML cannot hold.
    Unit.objects.filter(pk=tree.cell_a2.pk).update(name='=HYPERLINK("http://example.invalid","x")')
    Unit.objects.filter(pk=tree.cell_b1.pk).update(name="Chi bộ\x0b thôn Bản Mới")
    return Unit.objects.get(pk=tree.province.pk)


def _build(unit):
    reports = excel.build_reports(unit, PERIOD, candidates=Candidate.objects.all(), today=TODAY)
    saved = excel.workbook_bytes(excel.report_workbook(reports))
    return reports, saved, openpyxl.load_workbook(io.BytesIO(saved))


def _values(sheet):
    """Every row from the header down, as lists of values (empty rows kept, trailing Nones trimmed)."""
    rows = []
    for row in sheet.iter_rows(min_row=excel.HEADER_ROW, values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _width(sheet, column):
    """The width of a column (1-based); equal neighbours are stored as one range of columns."""
    return next(
        dimension.width
        for dimension in sheet.column_dimensions.values()
        if dimension.min and dimension.min <= column <= dimension.max
    )


def _read_back(value):
    """A value as openpyxl reads it back: dates as datetimes, the characters XML cannot hold gone."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return value.replace("\x0b", "")
    return value


def _trimmed(row):
    row = [_read_back(value) for value in row]
    while row and row[-1] in (None, ""):
        row.pop()
    return row


def _expected(reports):
    """{sheet name: [header, row, ...]} straight from the reports, the way the sheets lay them out."""
    progress, breakdown = reports["progress"], reports["breakdown"]
    pipeline, coverage, probation = reports["pipeline"], reports["coverage"], reports["probation"]

    def progress_row(row, name):
        return [
            row.unit.code,
            name,
            row.target,
            row.admitted,
            row.ratio,
            row.remaining,
            row.projected,
            row.members,
            row.member_share,
            str(row.members_source) or None,
            excel.members_note(row) or None,
        ]

    sheets = {
        excel.SHEET_PROGRESS: [
            *[progress_row(row, row.unit.name) for row in progress.rows],
            progress_row(progress.total, excel.PROGRESS_TOTAL),
        ]
    }
    sheets[excel.SHEET_BREAKDOWN] = [[line.label, line.count, line.share] for line in breakdown.lines]
    totals = {line.key: line.count for line in breakdown.lines}
    sheets[excel.SHEET_BREAKDOWN_UNITS] = [
        *[[unit.code, unit.name, *[counts[c.key] for c in breakdown.categories]] for unit, counts in breakdown.rows],
        [breakdown.unit.code, excel.PROGRESS_TOTAL, *[totals[c.key] for c in breakdown.categories]],
    ]
    sheets[excel.SHEET_PIPELINE] = [
        *[[unit.code, unit.name, *[counts[s.value] for s in pipeline.stages]] for unit, counts in pipeline.rows],
        [pipeline.unit.code, excel.PROGRESS_TOTAL, *[pipeline.totals[s.value] for s in pipeline.stages]],
        [],
        ["Bước", "Số người trong kỳ", "Tỷ lệ chuyển tiếp (theo người)", "Số ngày (trung vị)"],
        *[[step.label, step.reached, step.conversion, step.median_days] for step in pipeline.flow],
    ]
    sheets[excel.SHEET_COVERAGE] = [
        *[[cell.code, cell.name, cell.grassroots.name if cell.grassroots else ""] for cell in coverage.idle_cells],
        [],
        ["Mã đơn vị", "Tổ chức cơ sở đảng chưa kết nạp", "Loại hình"],
        *[[org.code, org.name, org.get_grassroots_type_display()] for org in coverage.idle_grassroots],
        [],
        ["", "Số chi bộ", coverage.cell_count],
        ["", "Số chi bộ chưa kết nạp", len(coverage.idle_cells)],
        ["", "Số tổ chức cơ sở đảng", coverage.grassroots_count],
        ["", "Số tổ chức cơ sở đảng có kết nạp", coverage.grassroots_admitting],
        ["", "Tỷ lệ tổ chức cơ sở đảng có kết nạp", coverage.grassroots_share],
    ]
    overdue = {person.pk for person in probation.overdue}
    ending = {person.pk for person in probation.ending}
    sheets[excel.SHEET_PROBATION] = [
        *[
            [p.full_name, p.cell.name, p.ceremony_date, p.official_from, p.recognition_due]
            + (["Quá hạn"] if p.pk in overdue else [])
            for p in probation.ending
        ],
        *[
            [p.full_name, p.cell.name, p.ceremony_date, p.official_from, p.recognition_due]
            + [f"Quá hạn {p.days_overdue} ngày làm việc"]
            for p in probation.overdue
            if p.pk not in ending
        ],
    ]
    return sheets


def test_every_sheet_holds_what_the_selectors_give(province_2025):
    reports, _saved, workbook = _build(province_2025)
    expected = _expected(reports)
    # The courses and pool sheets come after these; their figures: tests/reports/test_courses_and_pool_sheets.py.
    assert workbook.sheetnames == [*expected, "Lớp bồi dưỡng", "Nguồn kết nạp"]
    for name, rows in expected.items():
        body = _values(workbook[name])[1:]  # under the header
        assert body == [_trimmed(row) for row in rows], name
    # The data is really there: each sheet has rows, and the lists are as long as the reports say.
    assert len(reports["coverage"].idle_cells) >= 2 and len(reports["probation"].overdue) >= 1
    assert reports["progress"].total.admitted == 3


def test_sheets_keep_their_headings_notes_formats_fills_and_widths(province_2025):
    reports, _saved, workbook = _build(province_2025)
    progress = workbook[excel.SHEET_PROGRESS]
    assert progress["A1"].value == "Tiến độ kết nạp đảng viên — Đảng bộ tỉnh Thử" and progress["A1"].font.b
    assert progress["A1"].font.sz == 13
    assert progress["A2"].value == "Năm 2025" and progress["A2"].font.i
    assert progress["A3"].value == "Đã khóa sổ quý I/2025" and progress["A3"].font.color.rgb.endswith("7F1D1D")
    header = progress[excel.HEADER_ROW]
    assert [cell.value for cell in header][:5] == excel.PROGRESS_HEADERS
    assert all(cell.font.b and cell.fill.fgColor.rgb.endswith("F2DCDB") for cell in header)
    assert all(cell.alignment.wrap_text and cell.alignment.horizontal == "center" for cell in header)
    # Given widths (xlsxwriter stores what Excel shows: the width plus its padding, under one character).
    for column, width in enumerate([14, 42, 12, 12, 11, 11, 14, 14, 14, 16, 40], start=1):
        assert width <= _width(progress, column) < width + 1
    first = excel.HEADER_ROW + 1
    assert progress.cell(first, 3).number_format == excel.INT_FORMAT
    assert progress.cell(first, 5).number_format == excel.PERCENT_FORMAT
    assert progress.cell(first, 1).number_format == "General"
    # Rows far below or above their target are filled; committee B (1 of 40) is low. The total is bold.
    rows = reports["progress"].rows
    fills = [progress.cell(first + index, 2).fill for index in range(len(rows))]
    expected = [excel.LOW_FILL if row.is_low else excel.HIGH_FILL if row.is_high else None for row in rows]
    assert [fill.fgColor.rgb[-6:] if fill.fill_type else None for fill in fills] == [
        colour[1:] if colour else None for colour in expected
    ]
    assert rows[1].is_low and excel.LOW_FILL in expected
    total = first + len(reports["progress"].rows)
    assert progress.cell(total, 2).value == excel.PROGRESS_TOTAL and progress.cell(total, 2).font.b
    assert not progress.cell(first, 2).font.b
    assert all(progress.cell(row, column).border.left.style == "thin" for row in (first, total) for column in (1, 11))
    probation = workbook[excel.SHEET_PROBATION]
    assert {probation.cell(first, column).number_format for column in (3, 4, 5)} == {excel.DATE_FORMAT}
    overdue_row = first + len(reports["probation"].ending)
    assert probation.cell(overdue_row, 1).fill.fgColor.rgb.endswith(excel.LOW_FILL[1:])
    for sheet in workbook:
        assert sheet.freeze_panes == "A5"
        assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$4:$4"
        assert sheet.print_options.horizontalCentered
    assert workbook.properties.title == "Báo cáo công tác phát triển đảng viên"


def test_names_stay_text_and_lose_what_xml_cannot_hold(province_2025):
    _reports, saved, workbook = _build(province_2025)
    idle = {row[0]: row[1] for row in _values(workbook[excel.SHEET_COVERAGE])[1:] if row}
    assert idle["A1-2"] == '=HYPERLINK("http://example.invalid","x")'
    assert idle["B1-1"] == "Chi bộ thôn Bản Mới"
    with zipfile.ZipFile(io.BytesIO(saved)) as archive:
        sheets = [part for part in archive.namelist() if part.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 8 and not any(b"<f>" in archive.read(part) for part in sheets)
        assert not any(b"\x0b" in archive.read(part) or b"_x000B_" in archive.read(part) for part in sheets)


def test_write_safe_writes_each_kind_of_value_as_itself(tmp_path):
    workbook = StreamingWorkbook(title="Thử")
    sheet = workbook.add_worksheet("Thử")
    boxed = workbook.cell_format(border=1)
    assert workbook.cell_format(border=1) is boxed  # one format per set of properties
    values = [
        "=1+1",
        "Lò\x01 Văn\uffff A",
        gettext_lazy("Nữ"),
        7,
        2.5,
        Decimal("3.25"),
        True,
        D(2025, 3, 1),
        datetime.datetime(2025, 3, 1, 8, 30),
        None,
    ]
    shown = {datetime.date: "DD/MM/YYYY", datetime.datetime: "DD/MM/YYYY HH:MM"}
    write_safe_row(
        sheet,
        0,
        values,
        [boxed] * len(values),
        date_format=lambda column, value: workbook.cell_format(border=1, num_format=shown[type(value)]),
    )
    write_safe(sheet, 2, 0, "@SUM(A1)")  # row 2 (the third) after an empty row
    path = tmp_path / "thu.xlsx"
    workbook.save(path)
    assert path.read_bytes() == workbook.getvalue()  # saved once, the same bytes each time
    read = openpyxl.load_workbook(path)["Thử"]
    row = list(read[1])
    assert [cell.value for cell in row] == [
        "=1+1",
        "Lò Văn A",
        "Nữ",
        7,
        2.5,
        3.25,
        True,
        datetime.datetime(2025, 3, 1),
        datetime.datetime(2025, 3, 1, 8, 30),
        None,
    ]
    assert [cell.data_type for cell in row[:3]] == ["s", "s", "s"]
    assert [row[7].number_format, row[8].number_format] == ["DD/MM/YYYY", "DD/MM/YYYY HH:MM"]
    assert row[9].border.left.style == "thin"  # an empty cell keeps its box
    assert read["A2"].value is None and read["A3"].value == "@SUM(A1)"


def test_the_list_of_people_is_written_by_the_same_rules(client, tree, users):
    from django.urls import reverse

    CandidateFactory(cell=tree.cell_a1, full_name="=Lò Văn A", listed_on=D(2025, 4, 2))
    client.force_login(users.staff_a)
    response = client.get(reverse("recruitment:candidate_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows())
    assert rows[1][0].value == "=Lò Văn A" and rows[1][0].data_type == "s"
    listed = [cell.value for cell in rows[0]].index("Ngày vào danh sách")
    assert rows[1][listed].value == datetime.datetime(2025, 4, 2)
    assert rows[1][listed].number_format == "DD/MM/YYYY"


def test_every_character_xml_cannot_hold_is_unprintable():
    """write_safe_row strips only unprintable text: that must cover every character XML cannot hold."""
    from units.text import xml_illegal

    illegal = [chr(code) for code in range(0x110000) if xml_illegal(chr(code))]
    assert len(illegal) > 2000 and "\x0b" in illegal and "\uffff" in illegal
    assert not any(character.isprintable() for character in illegal)


def _sheet_xml(rows, *, plain_rows):
    """The first sheet's XML after writing `rows` (a skipped row where None) with write_safe_row, on a
    RowWorksheet (`plain_rows`: its one-string rows) or on xlsxwriter's own worksheet (cell by cell)."""
    workbook = StreamingWorkbook()
    boxed = workbook.cell_format(border=1)
    dated = workbook.cell_format(border=1, num_format="DD/MM/YYYY")
    sheet = workbook.add_worksheet("Thử") if plain_rows else workbook.book.add_worksheet("Thử")
    written = []
    for number, values in enumerate(rows):
        if values is None:
            continue
        # Formats first used on a row xlsxwriter holds, then on the next: numbered in the same order.
        formats = [workbook.cell_format(border=1, bold=True) if number in (5, 6) else boxed] * len(values)
        if number == 6:
            formats[0] = workbook.cell_format(border=1, italic=True)
        if plain_rows:
            written.append(sheet.write_plain_row(number, values, formats, lambda column, value: dated))
        if not written or not written[-1]:
            write_safe_row(sheet, number, values, formats, lambda column, value: dated)
    with zipfile.ZipFile(io.BytesIO(workbook.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml") + archive.read("xl/styles.xml"), written


def test_rows_of_plain_cells_are_written_as_xlsxwriter_writes_them():
    """RowWorksheet.write_plain_row writes a row of plain cells in one string: byte for byte the XML
    xlsxwriter writes cell by cell; the rows it leaves to xlsxwriter are written by xlsxwriter."""
    rows = [
        ["Tiêu đề", 1],  # the first row: always xlsxwriter's
        ["Chi bộ thôn Bản Phố", "Đảng bộ xã Nậm Hạ", 12, 0.25, -3, 10**17, 1e-7],
        ["A & B <c> \"d\" 'e'", " lề trái", "lề phải ", "", None, D(2025, 3, 1)],
        None,  # a row left empty
        [datetime.datetime(2025, 3, 1, 8, 30), 2.5, "=1+1", "@SUM(A1)", "x" * 40],
        ["_x0041_ stays as typed", 1],  # xlsxwriter escapes it: its own path
        ["Đạt", 3],  # after it, a row in one string
        ["tab\there", "new\nline"],  # control characters: xlsxwriter's path
        ["<r>not rich</r>", 1],
        [float("nan"), Decimal("3.25"), True, gettext_lazy("Nữ")],
        ["Lò Văn A", 7, None],
    ]
    fast, written = _sheet_xml(rows, plain_rows=True)
    slow, _ = _sheet_xml(rows, plain_rows=False)
    assert fast == slow
    assert written == [False, True, True, True, False, True, False, False, False, True]
    # and it reads back as the values
    read = openpyxl.load_workbook(io.BytesIO(_workbook_of(rows)))["Thử"]
    assert [cell.value for cell in read[3]][:4] == ["A & B <c> \"d\" 'e'", " lề trái", "lề phải ", ""]
    assert read["A5"].value == datetime.datetime(2025, 3, 1, 8, 30) and read["C5"].value == "=1+1"
    assert read["C5"].data_type == "s" and read["B11"].value == 7


def _workbook_of(rows):
    workbook = StreamingWorkbook()
    boxed = workbook.cell_format(border=1)
    dated = workbook.cell_format(border=1, num_format="DD/MM/YYYY HH:MM")
    sheet = workbook.add_worksheet("Thử")
    for number, values in enumerate(rows):
        if values is not None:
            write_safe_row(sheet, number, values, [boxed] * len(values), lambda column, value: dated)
    return workbook.getvalue()
