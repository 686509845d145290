import pytest
from django.core.management import CommandError, call_command

from recruitment.models import Candidate, WorkbookImport

from .conftest import person

pytestmark = pytest.mark.django_db


def test_prints_counts_and_records_the_import(tree, workbook, capsys):
    path = workbook({"Quần chúng": [person(), person(name="Hai")]})
    call_command("import_workbook", str(path))
    out = capsys.readouterr().out
    assert "Người tạo mới: 2" in out and "Đã nhập xong." in out
    assert Candidate.objects.count() == 2
    record = WorkbookImport.objects.get()
    assert record.from_command_line and record.user is None and record.counts["people_created"] == 2


def test_dry_run_writes_nothing(tree, workbook, capsys):
    call_command("import_workbook", str(workbook({"Quần chúng": [person()]})), "--dry-run")
    assert "Người tạo mới: 1" in capsys.readouterr().out
    assert not Candidate.objects.exists() and not WorkbookImport.objects.exists()


def test_errors_are_printed_and_exit_non_zero(tree, workbook, capsys):
    path = workbook(
        {
            "Quần chúng": [
                person(),
                person(name="Hai", **{"Giới tính": "?"}),
                person(name="Ba", **{"Ngày sinh": "hôm qua"}),
            ]
        }
    )
    with pytest.raises(CommandError, match="2 lỗi; không có gì được ghi"):
        call_command("import_workbook", str(path))
    err = capsys.readouterr().err
    assert "dòng 3, cột “Giới tính”" in err and "dòng 4, cột “Ngày sinh”" in err
    assert not Candidate.objects.exists() and not WorkbookImport.objects.exists()


def test_exit_codes_from_the_shell(tree, workbook, tmp_path):
    """A real shell run (ManagementUtility in-process would close the test's database connection).
    The file checks come before any database access, so the child needs no database of its own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bad = tmp_path / "x.txt"
    bad.write_text("x")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    for path, message in ((bad, ".xlsx"), (tmp_path / "missing.xlsx", "Không có tệp")):
        result = subprocess.run(
            [sys.executable, "manage.py", "import_workbook", str(path)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("import_workbook", str(workbook({"Quần chúng": [person()]})), "--user", "ai")


def test_as_a_user_respects_scope(tree, users, workbook):
    path = workbook({"Quần chúng": [person("B1-1")]})
    with pytest.raises(CommandError, match="1 lỗi"):
        call_command("import_workbook", str(path), "--user", users.staff_a.username)
    with pytest.raises(CommandError, match="Chỉ cán bộ Ban Tổ chức"):
        call_command("import_workbook", str(path), "--user", users.leader.username)
    call_command("import_workbook", str(path), "--user", users.province_staff.username)
    assert Candidate.objects.get().created_by == users.province_staff
