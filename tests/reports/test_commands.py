import datetime
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.factories import CandidateFactory, admitted_fields
from units.models import Term
from units.services import target_set

D = datetime.date
ROOT = Path(__file__).resolve().parents[2]


def export(*args):
    call_command("export_report", *args)


def test_exports_the_quarterly_return_for_a_quarter(tree, tmp_path):
    CandidateFactory(cell=tree.cell_b1, **admitted_fields(D(2025, 5, 5)))
    CandidateFactory(cell=tree.cell_b1, **admitted_fields(D(2025, 8, 5)))
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    path = tmp_path / "b.xlsx"
    export("--unit", "B", "--year", "2025", "--quarter", "2", "--output", str(path))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:2] == ["Tiến độ", "Cơ cấu"]
    sheet = workbook["Tiến độ"]
    assert sheet["A1"].value.endswith("Đảng bộ huyện B") and sheet["A2"].value == "Quý II năm 2025"
    assert [cell.value for cell in sheet[sheet.max_row]][:5] == ["B", "Tổng cộng", 4, 1, 0.25]


def test_exports_a_date_range(tree, tmp_path):
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(D(2025, 5, 5)))
    path = tmp_path / "a.xlsx"
    export("--unit", "A", "--from", "2025-05-01", "--to", "2025-05-31", "--output", str(path))
    sheet = openpyxl.load_workbook(path)["Tiến độ"]
    assert sheet["A2"].value == "Từ 01/05/2025 đến 31/05/2025"
    assert sheet.cell(row=sheet.max_row, column=4).value == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "NOPE", "--year", "2025"], "Không có đơn vị mã “NOPE”"),
        (["--unit", "P"], "Cần chọn kỳ báo cáo"),
        (["--unit", "P", "--year", "2025", "--quarter", "5"], "Quý"),
        (["--unit", "P", "--quarter", "2"], "Quý hoặc tháng cần đi kèm năm"),
        (["--unit", "P", "--year", "2025", "--term", "2020-2025"], "Chọn một loại kỳ báo cáo"),
        (["--unit", "P", "--term", "2020"], "Nhiệm kỳ ghi dạng 2020-2025"),
        (["--unit", "P", "--term", "2010-2015"], "Không có nhiệm kỳ 2010–2015"),
        (["--unit", "P", "--from", "2025-01-01"], "cần cả ngày bắt đầu và ngày kết thúc"),
        (["--unit", "P", "--from", "2025-13-01", "--to", "2025-12-01"], "Từ ngày"),
    ],
)
def test_bad_arguments_are_a_command_error_in_vietnamese(tree, tmp_path, args, message):
    Term.objects.create(start_year=2020, end_year=2025)
    with pytest.raises(CommandError, match=message):
        export(*args, "--output", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_bad_output_paths(tree, tmp_path):
    with pytest.raises(CommandError, match="đuôi .xlsx"):
        export("--unit", "P", "--year", "2025", "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="Không có thư mục"):
        export("--unit", "P", "--year", "2025", "--output", str(tmp_path / "missing" / "x.xlsx"))


def test_a_bad_command_line_exits_non_zero_with_the_message():
    result = subprocess.run(
        [sys.executable, "manage.py", "export_report", "--unit", "P", "--output", "x.xlsx"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Cần chọn kỳ báo cáo" in result.stderr
