"""The sheet "Sắp xếp tổ chức": events in date order through the same services, all or nothing, twice
changes nothing, a bad row reported with its row."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from recruitment.importing import import_workbook
from recruitment.importing.workbook import REORGANISATION
from recruitment.models import Candidate
from tests.factories import CandidateFactory, admitted_fields, make_user
from units import reorganisation
from units.models import Placement, ReorgEvent, Role, Unit, UnitKind

SHEET = REORGANISATION.title
HEADERS = [column.header for column in REORGANISATION.columns]


def sheet(*rows):
    return {SHEET: {"headers": HEADERS, "rows": [dict(zip(HEADERS, row)) for row in rows]}}


# Ngày hiệu lực, Số quyết định, Hình thức, Mã đơn vị, Mã đơn vị mới, Tên đơn vị mới, Mã đơn vị cấp trên, Loại tổ chức
GOOD = (
    ("01/08/2025", "3-QĐ/TU", "Giải thể", "B2", None, None, None, None),  # later date, first in the file
    ("01/07/2025", "1-QĐ/TU", "Hợp nhất", "A, B", "C", "Đảng bộ huyện C", "P", "Đảng bộ trực thuộc"),
    ("01/07/2025", "2-QĐ/TU", "Đổi tên", "A1", None, "Đảng bộ xã A1 mới", None, None),
)


def state():
    return (
        list(Placement.objects.order_by("pk").values_list("unit__code", "path", "valid_from", "valid_to", "name")),
        list(Unit.objects.order_by("pk").values_list("code", "path", "name", "ended_on")),
        ReorgEvent.objects.count(),
    )


def export(tmp_path, name):
    path = tmp_path / name
    call_command("export_report", "--unit", "P", "--year", "2024", "--output", str(path))
    return [[list(row) for row in ws.iter_rows(values_only=True)] for ws in load_workbook(path).worksheets]


def test_a_workbook_of_only_the_sheet_imports_in_date_order_and_twice_changes_nothing(tree, workbook, tmp_path):
    for cell in (tree.cell_a1, tree.cell_b1, tree.enterprise):
        CandidateFactory(cell=cell, **admitted_fields(datetime.date(2024, 6, 1)))
    before = export(tmp_path, "before.xlsx")
    path = workbook(sheet(*GOOD))

    call_command("import_workbook", str(path))

    assert Unit.objects.get(code="A").successor == Unit.objects.get(code="C")
    assert Unit.objects.get(code="A1").name == "Đảng bộ xã A1 mới"
    assert Unit.objects.get(code="B2").ended_on == datetime.date(2025, 8, 1)
    assert ReorgEvent.objects.count() == 3
    # the 2024 return is the same after as before (export_report)
    assert export(tmp_path, "after.xlsx") == before

    once = state()
    result = import_workbook(path)
    assert result.ok and result.counts == {"reorg_unchanged": 3}
    assert state() == once


@pytest.mark.parametrize(
    "row, message",
    [
        (("01/07/2025", "9-QĐ", "Chuyển", "ZZ", None, None, "B", None), "Không có đơn vị mã “ZZ”"),
        (("01/07/2025", "9-QĐ", "Giải thể", "A1", None, None, None, None), "còn đơn vị trực thuộc"),
        (("01/01/2024", "9-QĐ", "Đổi tên", "N", None, "Tên mới", None, None), "trước ngày đơn vị N"),
        (("01/07/2025", "9-QĐ", "Sáp nhập", "Z1", "B", None, None, None), "Không có đơn vị mã “Z1”"),
    ],
)
def test_a_bad_row_is_reported_with_its_row_and_nothing_is_written(tree, workbook, row, message):
    reorganisation.establish(
        code="N",
        name="Chi bộ mới",
        kind=UnitKind.CELL,
        parent=tree.org_a,
        effective_date=datetime.date(2025, 1, 1),
        decision_no="0-QĐ",
        decided_by=tree.province,
    )
    before = state()
    result = import_workbook(workbook(sheet(GOOD[1], row)))
    assert not result.ok
    [error] = result.errors
    assert error.row == 3 and message in error.message
    assert state() == before


def test_outside_the_importer_s_scope_reads_as_unknown(tree, workbook):
    staff_a = make_user(tree.committee_a, Role.STAFF, "staff_a_import")
    outside = import_workbook(
        workbook(sheet(("01/07/2025", "9-QĐ", "Đổi tên", "B1", None, "X", None, None))), actor=staff_a
    )
    unknown = import_workbook(
        workbook(sheet(("01/07/2025", "9-QĐ", "Đổi tên", "QQ", None, "X", None, None))), actor=staff_a
    )
    assert outside.errors[0].message == "Không có đơn vị mã “B1”."
    assert unknown.errors[0].message == "Không có đơn vị mã “QQ”."
    inside = import_workbook(
        workbook(sheet(("01/07/2025", "9-QĐ", "Đổi tên", "A1", None, "Xã A1 mới", None, None))), actor=staff_a
    )
    assert inside.ok and Unit.objects.get(code="A1").name == "Xã A1 mới"


def test_the_command_refuses_a_bad_sheet(tree, workbook):
    with pytest.raises(CommandError):
        call_command(
            "import_workbook", str(workbook(sheet(("01/07/2025", "9-QĐ", "Chia tách", "A", None, None, None, None))))
        )
    assert not ReorgEvent.objects.exists()


def test_a_unit_row_moving_a_cell_keeps_a_closed_quarter_s_figures(tree, users, workbook):
    """Issue 16, hole 6: the import's unit rows move a cell through units.services.unit_move."""
    from reports import excel, selectors
    from units import services
    from units.periods import Period

    for day in (1, 2):
        CandidateFactory(cell=tree.cell_a1, **admitted_fields(datetime.date(2025, 2, day)))
    services.quarter_close(
        actor=users.province_staff, unit=tree.committee_a, year=2025, quarter=1, today=datetime.date(2025, 4, 2)
    )
    quarter = Period.for_quarter(2025, 1)

    def admitted(code):
        placed, dated = excel.dated(Unit.objects.get(code=code), quarter)
        report = selectors.progress_report(
            placed, quarter, candidates=Candidate.objects.all(), today=datetime.date(2026, 1, 1), tree=dated
        )
        return report.total.admitted

    assert (admitted("A"), admitted("B")) == (2, 0)
    rows = {
        "headers": ["Mã đơn vị", "Tên đơn vị", "Loại tổ chức", "Mã đơn vị cấp trên"],
        "rows": [("A1-1", "Chi bộ thôn 1", "Chi bộ", "B1")],
    }
    result = import_workbook(workbook({"Đơn vị": rows}))
    assert result.ok, result.errors
    assert Unit.objects.get(code="A1-1").parent_path == Unit.objects.get(code="B1").path
    assert (admitted("A"), admitted("B")) == (2, 0)


def test_a_unit_row_under_a_unit_that_ended_is_refused(tree, workbook):
    from recruitment.importing.workbook import UNITS

    call_command("import_workbook", str(workbook(sheet(*GOOD))))
    assert Unit.objects.get(code="A").ended_on is not None
    headers = [column.header for column in UNITS.columns]
    row = {headers[0]: "A9", headers[1]: "Chi bộ mới", headers[2]: "Chi bộ", headers[3]: "A"}
    path = workbook({UNITS.title: {"headers": headers, "rows": [row]}})
    result = import_workbook(path, actor=None)
    assert any("kết thúc hoạt động" in str(error) for error in result.errors), result.errors
    assert not Unit.objects.filter(code="A9").exists()


def _template_sheet():
    from recruitment.importing.template import build_template

    book = load_workbook(io.BytesIO(build_template()))
    return book, book[SHEET]


def test_the_template_has_the_sheet_with_the_parser_s_headers_a_note_and_lists(db):
    book, reorg = _template_sheet()
    note = reorg["A1"].value
    for words in (
        "01/07/2025",
        "Thành lập:",
        "Sáp nhập:",
        "Hợp nhất:",
        "Chuyển:",
        "Đổi tên:",
        "Giải thể:",
        "Chia tách:",
    ):
        assert words in note, words
    assert [cell.value for cell in reorg[2]] == HEADERS  # the header under the note, as the parser reads it
    assert reorg.freeze_panes == "A3" and reorg.max_row == 2  # no example: a forgotten one would be applied
    lists = book["Danh mục"]
    columns = {lists.cell(row=1, column=n).value: n for n in range(1, lists.max_column + 1)}

    def listed(formula):
        column = formula.split("!$")[1].split("$")[0]
        return [cell.value for cell in lists[column][1:] if cell.value is not None]

    validated = {str(v.sqref).split(":")[0]: v for v in reorg.data_validations.dataValidation}
    kinds = validated["C3"]
    assert listed(kinds.formula1) == ["Thành lập", "Sáp nhập", "Hợp nhất", "Chuyển", "Đổi tên", "Giải thể"]
    assert kinds.showErrorMessage and str(kinds.sqref) == "C3:C5000"
    assert "Đảng bộ trực thuộc" in listed(validated["H3"].formula1)  # Loại tổ chức: the unit kinds
    assert "reorg_kind" in columns
    assert reorg.column_dimensions["A"].number_format == "DD/MM/YYYY"
    guide = "\n".join(str(cell.value or "") for cell in book["Hướng dẫn"]["A"])
    assert "Trang “Sắp xếp tổ chức”" in guide


def test_the_template_unchanged_imports_cleanly_and_with_one_event_imports_it(tree, tmp_path):
    from recruitment.importing.workbook import read_workbook

    book, reorg = _template_sheet()
    unchanged = tmp_path / "mau.xlsx"
    book.save(unchanged)
    assert read_workbook(unchanged)["reorganisation"].rows == []
    result = import_workbook(unchanged, dry_run=True)
    assert result.ok, [str(e) for e in result.errors]
    assert result.fixes == {} and not {"reorg_events", "reorg_unchanged"} & set(result.counts)

    # one row as Excel writes it: a date cell, the kind picked from the list
    reorg.append([datetime.datetime(2025, 7, 1), "12-QĐ/TU", "Đổi tên", "A1", None, "Đảng bộ xã A1 mới"])
    filled = tmp_path / "mau-1-dong.xlsx"
    book.save(filled)
    result = import_workbook(filled)
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["reorg_events"] == 1 and result.fixes == {}
    assert Unit.objects.get(code="A1").name == "Đảng bộ xã A1 mới"
    event = ReorgEvent.objects.get()
    assert (event.kind, event.decision_no, event.effective_date) == ("rename", "12-QĐ/TU", datetime.date(2025, 7, 1))
