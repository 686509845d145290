"""The preview: the first rows of each sheet with what they do (created, updated old -> new,
unchanged, error), stored by the check on the record and shown, filtered, without reading the file
again; the corrections made to read the file, counted, on the page and in the command's output."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from recruitment.importing import import_workbook, preview, values
from recruitment.models import Candidate, WorkbookImport
from tests.factories import CandidateFactory

from .conftest import person

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(result, key):
    return next(sheet for sheet in result.preview["sheets"] if sheet["key"] == key)


def _rows(result, key):
    return {row["row"]: row for row in _sheet(result, key)["rows"]}


def test_people_rows_created_updated_unchanged_with_old_and_new_values(tree, workbook):
    import_workbook(
        workbook(
            {
                "Quần chúng": [
                    person(**{"Số CCCD": "001095001234", "Dân tộc": "Kinh", "Đoàn viên": "Không"}),
                    person(name="Lê Thị Hoa", gender="Nữ"),
                ]
            }
        )
    )
    result = import_workbook(
        workbook(
            {
                "Quần chúng": [
                    person(
                        "A1-2",
                        **{
                            "Số CCCD": "001095001234",
                            "Dân tộc": "Thái",
                            "Đoàn viên": "x",
                            "Ngày vào danh sách quần chúng ưu tú": "01/02/2024",
                            "Chuyên môn nghiệp vụ": "Đại học",
                        },
                    ),
                    person(name="Lê Thị Hoa", gender="Nữ"),
                    person(name="Phạm Văn Em", dob="03/03/1993", **{"Số CCCD": "034093000111"}),
                ]
            }
        ),
        dry_run=True,
    )
    assert result.ok
    people = _sheet(result, "people")
    assert people["kinds"] == {"created": 1, "updated": 1, "unchanged": 1, "error": 0}
    assert people["total"] == 3
    rows = _rows(result, "people")
    updated, unchanged, created = rows[2], rows[3], rows[4]
    assert (updated["kind"], updated["label"]) == ("updated", "Nguyễn Văn An · A1-2")
    assert updated["changes"] == [
        ["Dân tộc", "Kinh", "Thái"],
        ["Chuyên môn nghiệp vụ", "", "Đại học"],
        ["Đoàn viên", "Không", "Có"],
        ["Mã chi bộ", "A1-1", "A1-2"],
        ["Ngày vào danh sách quần chúng ưu tú", "", "01/02/2024"],
    ]
    assert (unchanged["kind"], unchanged["changes"]) == ("unchanged", [])
    assert created["kind"] == "created"
    assert ["Số CCCD", None, "••••0111"] in created["changes"]  # masked, as in the history
    assert ["Ngày sinh", None, "03/03/1993"] in created["changes"]
    assert ["Giới tính", None, "Nam"] in created["changes"] and ["Dân tộc", None, "Kinh"] in created["changes"]
    assert [column for column, _old, _new in created["changes"] if column in ("Họ và tên", "Mã chi bộ")] == []
    assert "034093000111" not in str(result.preview) and "001095001234" not in str(result.preview)


def test_units_and_targets_rows(tree, workbook):
    import_workbook(workbook({"Chỉ tiêu": [("A", 2025, 100)]}))
    result = import_workbook(
        workbook(
            {
                "Đơn vị": [
                    ("A1-2", "Chi bộ thôn Hai", "Chi bộ", "B1", "", None),  # renamed and moved
                    ("A1-1", "Chi bộ thôn 1", "Chi bộ", "A1", "", None),  # unchanged
                    ("C", "Đảng bộ huyện C", "Đảng bộ trực thuộc", "P", "", 700),  # new
                ],
                "Chỉ tiêu": [("A", 2025, 120), ("B", 2025, 50), ("A", "2020-2025", 500)],
            }
        ),
        dry_run=True,
    )
    assert result.ok, [str(e) for e in result.errors]
    units = _rows(result, "units")
    assert units[2]["kind"] == "updated"
    assert units[2]["changes"] == [
        ["Tên đơn vị", "Chi bộ thôn 2", "Chi bộ thôn Hai"],
        ["Mã đơn vị cấp trên", "A1", "B1"],
    ]
    assert units[3]["kind"] == "unchanged"
    assert units[4] == {
        "row": 4,
        "kind": "created",
        "label": "C · Đảng bộ huyện C",
        "changes": [
            ["Loại tổ chức", None, "Đảng bộ trực thuộc"],
            ["Mã đơn vị cấp trên", None, "P"],
            ["Số đảng viên", None, "700"],
        ],
        "notes": [],
    }
    targets = _rows(result, "targets")
    assert (targets[2]["kind"], targets[2]["label"], targets[2]["changes"]) == (
        "updated",
        "A · 2025",
        [["Chỉ tiêu kết nạp", "100", "120"]],
    )
    assert targets[3]["kind"] == "created" and targets[4]["label"] == "A · 2020–2025"


def test_only_the_first_rows_are_kept_but_every_row_is_counted(tree, workbook, monkeypatch):
    monkeypatch.setattr(preview, "PREVIEW_ROWS", 5)
    CandidateFactory(cell=tree.cell_a1, full_name="Người 0", date_of_birth=datetime.date(1995, 3, 15))
    rows = [person(name=f"Người {n}", **{"Giới tính": "?" if n == 9 else "Nam"}) for n in range(12)]
    result = import_workbook(workbook({"Quần chúng": rows}), dry_run=True)
    people = _sheet(result, "people")
    assert people["total"] == 12
    assert people["kinds"] == {"created": 10, "updated": 1, "unchanged": 0, "error": 1}
    assert [row["row"] for row in people["rows"]] == [2, 3, 4, 5, 6]


def test_rows_with_errors_say_so(tree, workbook):
    result = import_workbook(workbook({"Quần chúng": [person(), person(name="Hai", **{"Giới tính": "?"})]}))
    rows = _rows(result, "people")
    assert rows[2]["kind"] == "created"
    assert rows[3]["kind"] == "error" and rows[3]["notes"][0].startswith("Giới tính: Không nằm trong danh sách")
    assert _sheet(result, "people")["kinds"]["error"] == 1


# --- the page ----------------------------------------------------------------------------------------


def _upload(client, path):
    data = SimpleUploadedFile(path.name, path.read_bytes(), content_type=XLSX)
    client.post(reverse("imports:start"), {"file": data})
    return WorkbookImport.objects.latest("pk")


@pytest.fixture
def checked(client, tree, users, workbook):
    """A checked upload (READY): a new unit and a known one given its member count; a person created
    and one updated."""
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An", date_of_birth=datetime.date(1995, 3, 15))
    client.force_login(users.staff_a)
    return _upload(
        client,
        workbook(
            {
                "Đơn vị": [
                    ("A1-9", "Chi bộ thôn 9", "chi bo", "A1", "", 20),
                    ("A1", "Đảng bộ xã A1", "Đảng bộ cơ sở", "A", "Xã, phường, thị trấn", 300),
                ],
                "Quần chúng": [
                    person(**{"Dân tộc": "Khơ Mú", "Ngày sinh": "15/3/1995"}),
                    person(name="Lê Thị Hoa", gender="nu"),
                ],
            }
        ),
    )


def test_the_check_stores_the_preview_and_the_page_shows_it(client, checked):
    assert checked.status == "ready"
    assert [sheet["key"] for sheet in checked.preview["sheets"]] == ["units", "people"]
    assert {fix["key"]: fix["count"] for fix in checked.preview["fixes"]} == {
        values.SPELLING: 3,  # chi bo, Khơ Mú, nu
        values.DATE_TEXT: 2,
    }
    page = client.get(reverse("imports:detail", args=[checked.pk])).content.decode()
    assert "3</span> giá trị danh mục viết khác mẫu" in page
    assert "2</span> ngày viết dạng chữ" in page
    assert "<code>Khơ Mú</code> → <code>Khơ-mú</code>" in page
    # the first sheet's rows: a new cell, a grassroots committee given its own member count
    assert "A1-9 · Chi bộ thôn 9" in page and "Tạo mới (1)" in page and "Cập nhật (1)" in page
    assert 'Số đảng viên: <span class="text-muted">—</span> → <span class="fw-semibold">300</span>' in page


def test_the_page_filters_rows_by_sheet_and_kind(client, checked):
    url = reverse("imports:detail", args=[checked.pk])
    people = client.get(url, {"sheet": "people"}).content.decode()
    assert "Nguyễn Văn An · A1-1" in people and "Lê Thị Hoa · A1-1" in people
    updated = client.get(url, {"sheet": "people", "kind": "updated"}).content.decode()
    assert "Nguyễn Văn An · A1-1" in updated and "Lê Thị Hoa · A1-1" not in updated
    assert 'Dân tộc: <span class="text-muted">Kinh</span> → <span class="fw-semibold">Khơ-mú</span>' in updated
    created = client.get(url, {"sheet": "people", "kind": "created"}).content.decode()
    assert "Lê Thị Hoa · A1-1" in created and "Nguyễn Văn An · A1-1" not in created
    # unknown values fall back to the first sheet, all kinds
    odd = client.get(url, {"sheet": "<script>", "kind": "x"})
    assert odd.status_code == 200 and "A1-9 · Chi bộ thôn 9" in odd.content.decode()


def test_the_page_reads_the_stored_preview_not_the_file(client, checked, monkeypatch, django_assert_max_num_queries):
    from recruitment.importing import importer, workbook

    def refuse(*args, **kwargs):
        raise AssertionError("the page must not read the file again")

    monkeypatch.setattr(workbook, "read_workbook", refuse)
    monkeypatch.setattr(importer, "read_workbook", refuse)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("imports:detail", args=[checked.pk]), {"sheet": "people"})
    assert response.status_code == 200 and "Nguyễn Văn An · A1-1" in response.content.decode()


def test_confirming_keeps_the_rows_as_written(client, checked):
    client.post(reverse("imports:confirm", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == "done"
    people = next(sheet for sheet in checked.preview["sheets"] if sheet["key"] == "people")
    assert people["kinds"] == {"created": 1, "updated": 1, "unchanged": 0, "error": 0}
    assert Candidate.objects.get(full_name="Nguyễn Văn An").ethnicity.name == "Khơ-mú"


def test_the_command_prints_the_corrections(tree, workbook, capsys):
    path = workbook({"Quần chúng": [person(**{"Dân tộc": "Khơ Mú", "Đoàn viên": "x"}), person(name="Hai")]})
    call_command("import_workbook", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Người tạo mới: 2" in out
    assert "Đã đọc theo cách người nhập viết:" in out
    assert "  2 ngày viết dạng chữ (15/3/2022, 15-03-2022) đã được đọc" in out
    assert "  1 ô Có/Không viết cách khác" in out and "  1 giá trị danh mục viết khác mẫu" in out
