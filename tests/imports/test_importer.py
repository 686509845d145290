"""The import itself: each sheet, bad values, all or nothing, re-import, scope."""

import datetime

import pytest

from recruitment.importing import import_workbook
from recruitment.models import Candidate, Gender
from units.models import GrassrootsType, Headcount, Target, Term, Unit, UnitKind

from .conftest import admitted_person, person

pytestmark = pytest.mark.django_db


def _messages(result):
    return [str(error) for error in result.errors]


def _snapshot():
    return (
        sorted(Unit.objects.values_list("code", "name", "path")),
        sorted(Target.objects.values_list("unit_id", "year", "term_id", "admissions")),
        sorted(Candidate.objects.values_list("full_name", "citizen_id", "cell_id", "decision_date")),
        Headcount.objects.count(),
        Term.objects.count(),
    )


# --- Đơn vị ---


def test_units_sheet_creates_a_tree_listed_children_first(tree, workbook):
    path = workbook(
        {
            "Đơn vị": [
                ("C1-1", "Chi bộ thôn Mới", "chi bo", "C1", "", 30),
                ("C1", "Đảng bộ xã Mới", "Đảng bộ cơ sở", "C", "xa phuong thi tran", None),
                ("C", "Đảng bộ huyện C", "Đảng bộ trực thuộc", "P", "", None),
                ("C1-2", "Chi bộ Trường học", "Chi bộ", "C1", "", ""),
            ]
        }
    )
    result = import_workbook(path)
    assert result.ok, _messages(result)
    assert result.counts["units_created"] == 4
    cell = Unit.objects.get(code="C1-1")
    assert cell.kind == UnitKind.CELL
    assert cell.is_within(Unit.objects.get(code="C1")) and cell.is_within(tree.province)
    assert cell.grassroots_type == GrassrootsType.COMMUNE  # inherited from its grassroots organisation
    assert Headcount.objects.get(unit=cell).members == 30
    assert Unit.objects.find_problems() == ([], [], [], [], [])  # paths, depths and numchild as treebeard keeps them


def test_new_units_under_known_ones_and_a_known_unit_moved_under_a_new_one(tree, workbook):
    path = workbook(
        {
            "Đơn vị": [
                ("A1-3", "Chi bộ thôn 3", "Chi bộ", "A1", "", None),
                ("B1", "Đảng bộ phường B1", "Đảng bộ cơ sở", "C", "Xã, phường, thị trấn", None),
                ("C", "Đảng bộ huyện C", "Đảng bộ trực thuộc", "P", "", None),
            ]
        }
    )
    result = import_workbook(path)
    assert result.ok, _messages(result)
    assert result.counts == {"units_created": 2, "units_updated": 1}
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    c = Unit.objects.get(code="C")
    assert [u.code for u in Unit.objects.subtree(c)] == ["C", "B1", "B1-1"]
    assert [u.code for u in Unit.objects.children_of(tree.org_a)] == ["A1-1", "A1-2", "A1-3"]
    assert Unit.objects.get(code="A1-3").grassroots_type == GrassrootsType.COMMUNE


def test_units_sheet_updates_by_code_and_moves(tree, workbook):
    path = workbook({"Đơn vị": [("A1-2", "Chi bộ thôn Hai (đổi tên)", "Chi bộ", "B1", "", None)]})
    result = import_workbook(path)
    assert result.ok, _messages(result)
    assert result.counts == {"units_updated": 1}
    moved = Unit.objects.get(code="A1-2")
    assert moved.name == "Chi bộ thôn Hai (đổi tên)"
    assert moved.is_within(tree.org_b)
    assert Unit.objects.filter(code="A1-2").count() == 1


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        (("X", "Tên", "Đảng bộ gì đó", "P", "", None), "Loại tổ chức", "Không nằm trong danh sách"),
        (("X", "Tên", "Chi bộ", "KHONGCO", "", None), "Mã đơn vị cấp trên", "Không có đơn vị mã “KHONGCO”"),
        (("X", "", "Chi bộ", "A1", "", None), "Tên đơn vị", "bắt buộc"),
        (("X", "Tên", "Chi bộ", "A1", "", "ba mươi"), "Số đảng viên", "số nguyên"),
        (("X", "Tên", "Chi bộ", "A1", "", -3), "Số đảng viên", "nhỏ hơn 0"),
        (("X", "Tên", "Đảng bộ cơ sở", "A", "", None), "Loại hình cơ sở", "loại hình"),
        (("X", "Tên", "Chi bộ", "A1-1", "", None), "Mã đơn vị cấp trên", "là chi bộ"),
        (("X", "Tên", "Đảng bộ bộ phận", "A", "", None), "Mã đơn vị cấp trên", "Đảng bộ bộ phận"),
        (("X", "Tên", "Chi bộ", "", "", None), "Mã đơn vị cấp trên", ""),
    ],
)
def test_units_sheet_bad_values(tree, workbook, row, column, fragment):
    before = _snapshot()
    result = import_workbook(workbook({"Đơn vị": [row]}))
    assert not result.ok
    error = result.errors[0]
    assert (error.sheet, error.row, error.column) == ("Đơn vị", 2, column), _messages(result)
    assert fragment in error.message
    assert _snapshot() == before


def test_units_sheet_duplicate_codes_and_cycles(tree, workbook):
    result = import_workbook(
        workbook(
            {
                "Đơn vị": [
                    ("X", "Một", "Đảng bộ trực thuộc", "P", "", None),
                    ("X", "Hai", "Đảng bộ trực thuộc", "P", "", None),
                    ("Y", "Ba", "Đảng bộ cơ sở", "Z", "Xã, phường, thị trấn", None),
                    ("Z", "Bốn", "Đảng bộ cơ sở", "Y", "Xã, phường, thị trấn", None),
                ]
            }
        )
    )
    messages = _messages(result)
    assert any("dòng 3" in m and "trùng với dòng 2" in m for m in messages)
    assert sum("vòng lặp" in m for m in messages) == 2
    assert not Unit.objects.filter(code__in=["X", "Y", "Z"]).exists()


def test_child_of_a_failed_unit_says_which_row(tree, workbook):
    result = import_workbook(
        workbook(
            {
                "Đơn vị": [
                    ("C", "Huyện C", "Sai loại", "P", "", None),
                    ("C1", "Xã C1", "Đảng bộ cơ sở", "C", "Xã, phường, thị trấn", None),
                ]
            }
        )
    )
    assert any("dòng 3" in m and "có lỗi ở trang “Đơn vị”, dòng 2" in m for m in _messages(result))


# --- Chỉ tiêu ---


def test_targets_sheet_years_and_terms(tree, workbook):
    path = workbook({"Chỉ tiêu": [("A", 2025, 120), ("A", "2020–2025", "600"), ("A1-1", "2024", 2.0)]})
    result = import_workbook(path)
    assert result.ok, _messages(result)
    assert result.counts["targets_created"] == 3
    assert Target.objects.get(unit=tree.committee_a, year=2025).admissions == 120
    assert Target.objects.get(unit=tree.committee_a, term__start_year=2020).admissions == 600
    assert str(Term.objects.get()) == "2020–2025"


def test_targets_reimport_updates(tree, workbook):
    import_workbook(workbook({"Chỉ tiêu": [("A", 2025, 120)]}))
    result = import_workbook(workbook({"Chỉ tiêu": [("A", 2025, 130), ("B", 2025, 50)]}))
    assert result.counts == {"targets_created": 1, "targets_updated": 1}
    assert Target.objects.get(unit=tree.committee_a, year=2025).admissions == 130
    assert Target.objects.count() == 2


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        (("A", "năm ngoái", 10), "Kỳ", "một năm (2017) hoặc một nhiệm kỳ"),
        (("A", "2025-2020", 10), "Kỳ", "năm bắt đầu trước năm kết thúc"),
        (("A", 2025, "mười"), "Chỉ tiêu kết nạp", "số nguyên"),
        (("A", 2025, None), "Chỉ tiêu kết nạp", "bắt buộc"),
        (("Q", 2025, 10), "Mã đơn vị", "Không có đơn vị mã “Q”"),
    ],
)
def test_targets_sheet_bad_values(tree, workbook, row, column, fragment):
    result = import_workbook(workbook({"Chỉ tiêu": [row]}))
    error = result.errors[0]
    assert (error.sheet, error.row, error.column) == ("Chỉ tiêu", 2, column)
    assert fragment in error.message
    assert not Target.objects.exists()


def test_targets_duplicate_period_in_sheet(tree, workbook):
    result = import_workbook(workbook({"Chỉ tiêu": [("A", 2025, 1), ("A", "2025", 2)]}))
    assert _messages(result) == [
        "Trang “Chỉ tiêu”, dòng 3, cột “Kỳ”, giá trị “2025”: Đơn vị “A” đã có chỉ tiêu kỳ này ở dòng 2."
    ]


# --- Quần chúng ---


def test_people_sheet_values_as_people_type_them(tree, workbook):
    path = workbook(
        {
            "Quần chúng": [
                person(**{"Số CCCD": 1095001234, "Tôn giáo": "Không", "Nghề nghiệp": "nong dan"}),
                admitted_person(**{"Tôn giáo": "cong giao", "Chuyên môn nghiệp vụ": "Dai hoc"}),
                person(
                    "B2", "Trần   Thị Cúc", datetime.date(2000, 1, 1), "NỮ", **{"Dân tộc": "", "Đoàn viên": "Không"}
                ),
            ]
        }
    )
    result = import_workbook(path)
    assert result.ok, _messages(result)
    assert result.counts["people_created"] == 3
    an = Candidate.objects.get(full_name="Nguyễn Văn An")
    assert an.citizen_id == "001095001234"  # the leading zero Excel dropped
    assert an.religion is None and an.occupation == "farmer" and an.ethnicity.name == "Kinh"
    binh = Candidate.objects.get(citizen_id="012096004321")
    assert binh.gender == Gender.FEMALE and binh.ethnicity.name == "Khơ-mú" and binh.youth_union_member
    assert binh.religion.name == "Công giáo" and binh.professional_education == "university"
    assert binh.recognition_date == datetime.date(2024, 4, 5) and binh.decision_no == "125-QĐ/HU"
    assert binh.stage == "official"
    cuc = Candidate.objects.get(cell=tree.enterprise)
    assert cuc.full_name == "Trần Thị Cúc" and cuc.search_name == "tran thi cuc" and cuc.occupation == "other"


def test_historic_row_with_missing_steps_is_accepted_and_flagged(tree, workbook):
    row = person(**{"Ngày quyết định kết nạp": "15/03/2023", "Số quyết định kết nạp": "7-QĐ/HU"})
    result = import_workbook(workbook({"Quần chúng": [row]}))
    assert result.ok, _messages(result)
    assert result.counts["people_incomplete"] == 1
    assert Candidate.objects.get().is_incomplete


@pytest.mark.parametrize(
    "extra, column, fragment",
    [
        ({"Ngày sinh": "31/02/1995"}, "Ngày sinh", "không có thật"),
        ({"Ngày sinh": "1995"}, "Ngày sinh", "ngày/tháng/năm"),
        ({"Giới tính": "khác"}, "Giới tính", "Không nằm trong danh sách"),
        ({"Dân tộc": "Việt"}, "Dân tộc", "54 dân tộc"),
        ({"Tôn giáo": "Thờ cúng"}, "Tôn giáo", "danh mục"),
        ({"Nghề nghiệp": "Phi hành gia"}, "Nghề nghiệp", "Không nằm trong danh sách"),
        ({"Chuyên môn nghiệp vụ": "Tiến sĩ khoa học"}, "Chuyên môn nghiệp vụ", "Không nằm trong danh sách"),
        ({"Đoàn viên": "có lẽ"}, "Đoàn viên", "“Có” hoặc “Không”"),
        ({"Số CCCD": "12345"}, "Số CCCD", "12 chữ số"),
        ({"Họ và tên": ""}, "Họ và tên", "bắt buộc"),
        ({"Mã chi bộ": "A1"}, "Mã chi bộ", "không phải chi bộ"),
        ({"Mã chi bộ": "ZZ"}, "Mã chi bộ", "Không có chi bộ mã “ZZ”"),
        # the pipeline's own rules, with the model's messages
        ({"Ngày nghị quyết chi bộ": "01/01/2010"}, "Ngày nghị quyết chi bộ", "Chưa đủ 18 tuổi"),
        ({"Ngày vào danh sách quần chúng ưu tú": "01/01/2090"}, "Ngày vào danh sách quần chúng ưu tú", "tương lai"),
        (
            {"Ngày lễ kết nạp": "01/04/2023", "Ngày công nhận chính thức": "01/05/2023"},
            "Ngày công nhận chính thức",
            "Chưa đủ 12 tháng",
        ),
    ],
)
def test_people_sheet_bad_values(tree, workbook, extra, column, fragment):
    result = import_workbook(workbook({"Quần chúng": [person(**extra)]}))
    assert not result.ok
    error = result.errors[0]
    assert (error.sheet, error.row, error.column) == ("Quần chúng", 2, column), _messages(result)
    assert fragment in error.message, error.message
    assert not Candidate.objects.exists()


def test_every_error_is_reported_at_once(tree, workbook):
    result = import_workbook(
        workbook(
            {
                "Quần chúng": [
                    person(**{"Giới tính": "?"}),
                    person("ZZ", name="Hai", **{"Ngày sinh": "x", "Số CCCD": "1"}),
                    person(name="Ba"),
                ]
            }
        )
    )
    assert sorted((e.row, e.column) for e in result.errors) == [
        (2, "Giới tính"),
        (3, "Mã chi bộ"),
        (3, "Ngày sinh"),
        (3, "Số CCCD"),
    ]


def test_error_names_sheet_row_column_and_value(tree, workbook):
    result = import_workbook(workbook({"Quần chúng": [person(**{"Giới tính": "Namm"})]}))
    assert _messages(result)[0].startswith("Trang “Quần chúng”, dòng 2, cột “Giới tính”, giá trị “Namm”: ")


def test_duplicates_within_the_sheet(tree, workbook):
    result = import_workbook(
        workbook(
            {
                "Quần chúng": [
                    person(**{"Số CCCD": "001095001234"}),
                    person(name="Khác", **{"Số CCCD": "001095001234"}),
                    person(name="Ba"),
                    person(name="Ba"),
                ]
            }
        )
    )
    messages = _messages(result)
    assert any("dòng 3" in m and "Số CCCD trùng với dòng 2" in m for m in messages)
    assert any("dòng 5" in m and "Trùng người ở dòng 4" in m for m in messages)


# --- all or nothing, re-import ---


def test_a_bad_last_row_leaves_the_database_unchanged(tree, workbook):
    before = _snapshot()
    path = workbook(
        {
            "Đơn vị": [("C", "Đảng bộ huyện C", "Đảng bộ trực thuộc", "P", "", None)],
            "Chỉ tiêu": [("C", 2025, 10)],
            "Quần chúng": [person(name=f"Người {n}") for n in range(50)] + [person(name="Cuối", **{"Giới tính": "?"})],
        }
    )
    result = import_workbook(path)
    assert len(result.errors) == 1 and result.errors[0].row == 52
    assert not result.written
    assert _snapshot() == before


def test_dry_run_counts_what_the_real_run_does_and_writes_nothing(tree, workbook):
    path = workbook(
        {
            "Đơn vị": [
                ("C1-1", "Chi bộ mới", "Chi bộ", "C1", "", None),
                ("C1", "Chi bộ... không, đảng bộ cơ sở", "Đảng bộ cơ sở", "B", "Đơn vị sự nghiệp", None),
            ],
            "Chỉ tiêu": [("C1", 2025, 3)],
            "Quần chúng": [person("C1-1"), admitted_person("A1-2")],
        }
    )
    before = _snapshot()
    preview = import_workbook(path, dry_run=True)
    assert preview.ok and not preview.written
    assert _snapshot() == before
    real = import_workbook(path)
    assert real.written and real.counts == preview.counts
    assert preview.counts == {"units_created": 2, "targets_created": 1, "people_created": 2, "people_incomplete": 1}


def test_reimport_updates_instead_of_duplicating(tree, workbook):
    rows = [person(), admitted_person(), person("B1-1", "Lê Văn Cường", **{"Số CCCD": "034099000111"})]
    path = workbook({"Quần chúng": rows})
    assert import_workbook(path).counts["people_created"] == 3
    again = import_workbook(path)
    assert again.counts["people_unchanged"] == 3 and "people_created" not in again.counts
    assert Candidate.objects.count() == 3
    # matched by citizen ID even when the name is corrected; by cell + name + birth date otherwise
    changed = workbook(
        {
            "Quần chúng": [
                person(**{"Số CCCD": "001095009999"}),
                admitted_person(name="Lò Thị Bình Minh"),
            ]
        }
    )
    result = import_workbook(changed)
    assert result.counts.get("people_updated") == 2, result.counts
    assert Candidate.objects.count() == 3
    assert Candidate.objects.get(full_name="Nguyễn Văn An").citizen_id == "001095009999"
    assert Candidate.objects.filter(full_name="Lò Thị Bình Minh", citizen_id="012096004321").exists()


def test_a_blank_citizen_id_does_not_erase_the_known_one(tree, workbook):
    import_workbook(workbook({"Quần chúng": [person(**{"Số CCCD": "001095001234", "Nghề nghiệp": "Viên chức"})]}))
    result = import_workbook(workbook({"Quần chúng": [person(**{"Số CCCD": "", "Nghề nghiệp": ""})]}))
    assert result.counts.get("people_unchanged") == 1, result.counts
    assert Candidate.objects.get().citizen_id == "001095001234"
    assert Candidate.objects.get().occupation == "public_employee"


def test_absent_columns_keep_their_values_on_update(tree, workbook):
    import_workbook(workbook({"Quần chúng": [admitted_person()]}))
    headers = ["Mã chi bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]
    result = import_workbook(
        workbook(
            {"Quần chúng": {"headers": headers, "rows": [("A1-1", "Lò Thị Bình", "02/07/1996", "Nữ", "012096004321")]}}
        )
    )
    assert result.ok, _messages(result)
    assert Candidate.objects.get().decision_no == "125-QĐ/HU"


# --- scope ---


def test_staff_import_only_into_their_subtree(tree, users, workbook):
    path = workbook(
        {
            "Đơn vị": [
                ("A9", "Đảng bộ xã A9", "Đảng bộ cơ sở", "A", "Xã, phường, thị trấn", None),
                ("B9", "Đảng bộ xã B9", "Đảng bộ cơ sở", "B", "Xã, phường, thị trấn", None),
                ("B1", "Đổi tên B1", "Đảng bộ cơ sở", "B", "Xã, phường, thị trấn", None),
            ],
            "Chỉ tiêu": [("A1", 2025, 5), ("B1", 2025, 5)],
            "Quần chúng": [person("A1-1"), person("B1-1")],
        }
    )
    result = import_workbook(path, actor=users.staff_a)
    assert [(e.sheet, e.row) for e in result.errors] == [
        ("Đơn vị", 3),
        ("Đơn vị", 4),
        ("Chỉ tiêu", 3),
        ("Quần chúng", 3),
    ]
    # outside the subtree reads exactly as nowhere (tests/imports/test_probe_holes.py)
    assert [e.message for e in result.errors] == [
        "Không có đơn vị mã “B” trong tệp hay trong hệ thống.",
        "Không có đơn vị mã “B” trong tệp hay trong hệ thống.",
        "Đơn vị “B1” có lỗi ở trang “Đơn vị”, dòng 4.",  # as if B1 were only in the file
        "Không có chi bộ mã “B1-1” trong tệp hay trong hệ thống.",
    ]
    assert not Unit.objects.filter(code="A9").exists()
    inside = workbook(
        {
            "Đơn vị": [("A9", "Đảng bộ xã A9", "Đảng bộ cơ sở", "A", "Xã, phường, thị trấn", None)],
            "Quần chúng": [person("A1-1")],
        }
    )
    assert import_workbook(inside, actor=users.staff_a).written
    assert Candidate.objects.get().created_by == users.staff_a


def test_staff_cannot_update_a_person_outside_their_subtree(tree, users, workbook):
    import_workbook(workbook({"Quần chúng": [admitted_person("B1-1")]}))
    result = import_workbook(workbook({"Quần chúng": [admitted_person("A1-1")]}), actor=users.staff_a)
    # not matched (that would tell the ID exists): a new person, whom the database's uniqueness refuses
    assert not result.written and "phạm vi" not in result.errors[0].message
    assert Candidate.objects.get().cell == tree.cell_b1


def test_only_staff_may_import(tree, users, workbook):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_workbook(workbook({"Quần chúng": [person()]}), actor=users.leader)


def _queries(path):
    """(queries other than INSERT, INSERT statements) that one import makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = import_workbook(path)
    assert result.written, _messages(result)
    inserts = sum(1 for query in captured.captured_queries if query["sql"].lstrip().upper().startswith("INSERT"))
    return len(captured.captured_queries) - inserts, inserts


def test_queries_do_not_grow_with_rows(tree, workbook):
    """Lookups are batched and writes bulk: 10 rows or 100 rows per sheet cost the same queries, but for
    the extra INSERT batches SQLite needs (at most 999 parameters per statement)."""

    def book(n, tag):
        return workbook(
            {
                "Đơn vị": [(f"{tag}{i}", f"Chi bộ {i}", "Chi bộ", "A1", "", 5) for i in range(n)],
                "Chỉ tiêu": [(f"{tag}{i}", 2025, 1) for i in range(n)],
                "Quần chúng": [
                    person(f"{tag}{i % 3}", name=f"Người {i}", **{"Số CCCD": f"{tag.encode()[0]:03d}{i:09d}"})
                    for i in range(n)
                ],
            }
        )

    (small, small_inserts), (large, large_inserts) = _queries(book(10, "S")), _queries(book(100, "L"))
    assert large == small  # lookups and updates do not grow with the rows
    # Inserts come in batches: SQLite takes at most 999 parameters a statement, so a wide row (a
    # candidate and its history row) goes some 20 to a batch; never one statement per row.
    assert large_inserts < 100
    assert large_inserts <= small_inserts + 16
    again, again_inserts = _queries(book(100, "L"))  # re-import: everything matched, nothing written
    assert again <= large and again_inserts <= 1
