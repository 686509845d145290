"""A province's own workbook, laid out like the downloadable template (its instructions and lists
kept, the examples replaced): "12/12" education, member counts on the province and committee rows,
dates typed as text and names spelled either way. It imports with the right figures; with one bad
last row it writes nothing and names that row."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from recruitment.importing import import_workbook, values
from recruitment.importing.template import build_template
from recruitment.importing.workbook import PEOPLE, TARGETS, UNITS
from recruitment.models import Candidate
from units.models import Headcount, Target, Unit

pytestmark = pytest.mark.django_db

UNITS_ROWS = [
    # children before parents, as people paste them; member counts on every level
    ("LC-01-01-1", "Chi bộ bản Nà Tăm", "Chi bộ", "LC-01-01", "", 18),
    ("LC-01-01-2", "Chi bộ bản Hua Bum", "chi bo", "LC-01-01", "", 22),
    ("LC-01-01", "Đảng bộ xã Nà Tăm", "Đảng bộ cơ sở", "LC-01", "xa phuong thi tran", None),
    ("LC-01-02", "Chi bộ Trường THPT Tam Đường", "Chi bộ cơ sở", "LC-01", "Đơn vị sự nghiệp", 35),
    ("LC-01", "Đảng bộ huyện Tam Đường", "Đảng bộ trực thuộc", "LC", "", 2150),
    ("LC-02", "Đảng bộ huyện Phong Thổ", "Đảng bộ trực thuộc", "LC", "", "1.980"),
    ("LC-02-01", "Đảng bộ xã Mù Sang", "Đảng bộ cơ sở", " LC-02 ", "Xã, phường, thị trấn", 140),
    ("LC-02-01-1", "Chi bộ bản Mù Sang", "Chi bộ", "LC-02-01", "", 26),
    ("LC", "Đảng bộ tỉnh Lai Châu", "Đảng bộ tỉnh", "", "", 26033),
]
TARGETS_ROWS = [("LC", 2025, 1100), ("LC-01", 2025, 90), ("LC-01", "2020–2025", 450), ("LC-02", "2025", 80)]
CELLS = ["LC-01-01-1", "LC-01-01-2", "LC-01-02", "LC-02-01-1"]
ETHNIC = ["Thái", "Khơ Mú", "Khơ-mú", "Hà Nhì", "ha nhi", "Mông", "Kinh", "La Hủ", "Dao", "Giáy"]


def _people(count):
    rows = []
    for n in range(count):
        born = datetime.date(1985 + n % 15, 1 + n % 12, 1 + n % 27)
        row = {
            "cell": CELLS[n % len(CELLS)],
            "full_name": f"Lò  Văn Sơn {n}" if n % 4 == 0 else f"Tòng Thị Mai {n}",
            "date_of_birth": born.strftime("%-d/%-m/%Y") if n % 3 == 0 else datetime.datetime(*born.timetuple()[:3]),
            "gender": ("Nam", "nu", "Nữ")[n % 3],
            "ethnicity": ETHNIC[n % len(ETHNIC)],
            "occupation": ("Nông dân", "nong dan", "Giáo viên", "Viên chức")[n % 4].replace("Giáo viên", "Trí thức"),
            # "12/12" as text, or as the date Excel made of it (12 December)
            "general_education": "12/12" if n % 2 else datetime.datetime(2024, 12, 12),
            "youth_union_member": ("Có", "x", "", "Không")[n % 4],
            "citizen_id": f"0{n:011d}" if n % 5 else None,
            "listed_on": f"{1 + n % 27:02d}-03-2024",
        }
        if n % 6 == 1:  # a whole file, admitted and recognised
            row.update(
                {
                    "listed_on": "15/3/2021",
                    "mentor_name": "Lò Văn Páo",
                    "course_certificate_no": f"{n}-GCN/TTCT",
                    "course_date": "20/05/2021",
                    "application_date": "05/09/2021",
                    "introducer_1": "Lò Văn Páo",
                    "introducer_2": "Tao Thị Dung",
                    "resolution_date": "10/02/2022",
                    "decision_date": "15/03/2022",
                    "decision_no": f"{n}-QĐ/HU",
                    "decision_issuer": "Ban Thường vụ Huyện ủy",
                    "ceremony_date": "01/04/2022",
                    "new_member_course_date": "15/06/2022",
                    "recognition_no": f"{n}-QĐ/HU",
                    "recognition_date": "05/04/2023",
                }
            )
        rows.append(row)
    return rows


def _province_book(tmp_path, people, name="lai-chau.xlsx"):
    """The template, its example rows replaced by the province's rows."""
    book = load_workbook(io.BytesIO(build_template()))
    for spec, rows in ((UNITS, UNITS_ROWS), (TARGETS, TARGETS_ROWS), (PEOPLE, people)):
        sheet = book[spec.title]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            if isinstance(row, dict):
                row = [row.get(column.key) for column in spec.columns]
            sheet.append(list(row))
    path = tmp_path / name
    book.save(path)
    return path


def test_a_province_workbook_in_the_templates_layout(tmp_path):
    year = timezone.localdate().year
    result = import_workbook(_province_book(tmp_path, _people(60)))
    assert result.ok, [str(error) for error in result.errors]
    assert result.counts == {
        "units_created": 9,
        "headcounts": 8,  # every unit row that gives a figure, the province and committees included
        "terms_created": 1,
        "targets_created": 4,
        "people_created": 60,
    }
    members = dict(Headcount.objects.filter(year=year).values_list("unit__code", "members"))
    assert members == {
        "LC": 26033,
        "LC-01": 2150,
        "LC-02": 1980,
        "LC-02-01": 140,
        "LC-01-02": 35,
        "LC-01-01-1": 18,
        "LC-01-01-2": 22,
        "LC-02-01-1": 26,
    }
    assert Unit.objects.get(code="LC-02-01").is_within(Unit.objects.get(code="LC-02"))
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    assert Target.objects.get(unit__code="LC-01", term__start_year=2020).admissions == 450

    people = Candidate.objects.select_related("ethnicity")
    assert people.count() == 60
    assert set(people.values_list("general_education", flat=True)) == {"12/12"}
    assert {p.ethnicity.name for p in people if p.full_name.endswith((" 1", " 2", " 21", " 22"))} == {"Khơ-mú"}
    assert people.filter(full_name="Lò Văn Sơn 0").exists()
    official = people.filter(recognition_date__isnull=False)
    assert official.count() == 10 and not any(p.is_incomplete for p in official)
    assert people.filter(youth_union_member=True).count() == 30

    fixes = result.fixes
    assert fixes[values.EDUCATION_DATE] == 30  # every other "12/12" had become 12 December
    assert fixes[values.DATE_TEXT] == 20 + 60 + 10 * 7  # birth dates, listings, seven more dates of each whole file
    assert fixes[values.SPELLING] > 0 and fixes[values.SPACES] == 15 and fixes[values.CODE_SPACES] == 1
    assert fixes[values.YES_NO] == 15 and fixes[values.NUMBER_TEXT] == 1


def test_one_bad_last_row_writes_nothing_and_names_that_row(tmp_path):
    people = _people(60)
    people.append({**people[1], "full_name": "Người Cuối", "citizen_id": None, "recognition_date": "01/09/2022"})
    before = (Unit.objects.count(), Headcount.objects.count(), Target.objects.count(), Candidate.objects.count())
    result = import_workbook(_province_book(tmp_path, people))
    assert not result.written
    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("Quần chúng", 62, "Ngày công nhận chính thức")
    assert "Chưa đủ 12 tháng" in error.message
    assert "dòng 62" in str(error)
    after = (Unit.objects.count(), Headcount.objects.count(), Target.objects.count(), Candidate.objects.count())
    assert after == before
