"""The quarterly return's sheets for awareness courses and the pool: written by `export_report`, with
rows in them for the demo province."""

import datetime

import openpyxl
from django.core.management import call_command

from recruitment import services
from recruitment.models import Course, CourseResult, PoolReview
from tests.factories import CandidateFactory
from units.models import Unit, UnitKind
from units.periods import quarter_bounds, quarter_of
from units.services import pool_target_set

D = datetime.date


def export(tmp_path, code, year, quarter):
    path = tmp_path / f"{code}.xlsx"
    call_command("export_report", "--unit", code, "--year", str(year), "--quarter", str(quarter), "--output", str(path))
    return openpyxl.load_workbook(path)


def rows(sheet):
    return list(sheet.iter_rows(min_row=4, values_only=True))


def test_export_report_writes_the_courses_and_pool_sheets(tree, users, tmp_path):
    end = D(2025, 6, 20)
    course = services.course_save(
        actor=users.staff_a,
        course=Course(
            organiser=tree.committee_a,
            number="02/2025",
            start_date=D(2025, 6, 16),
            end_date=end,
            place="Trung tâm Chính trị huyện A",
        ),
    )
    group = [CandidateFactory(cell=tree.cell_a1, listed_on=D(2025, 1, 5)) for _ in range(3)]
    services.course_enrol(actor=users.staff_a, course=course, candidates=group)
    services.course_record_results(
        actor=users.staff_a,
        course=course,
        results=dict.fromkeys(course.participants.all()[:2], (True, CourseResult.PASSED)),
    )
    services.course_issue_certificates(actor=users.staff_a, course=course, first_number=1, issued_on=end)
    pool_target_set(unit=tree.committee_a, persons=4, year=2025)
    PoolReview.objects.create(cell=tree.cell_a1, year=2025, quarter=2, reviewed_on=D(2025, 6, 30))
    book = export(tmp_path, "P", 2025, 2)
    assert {"Lớp bồi dưỡng", "Nguồn kết nạp"} <= set(book.sheetnames)
    courses = rows(book["Lớp bồi dưỡng"])
    assert courses[0][:5] == ("Mã đơn vị", "Tên đơn vị", "Số lớp mở", "Số học viên", "Số giấy chứng nhận đã cấp")
    by_code = {row[0]: row for row in courses[1:] if row[0]}
    assert by_code["A"][2:5] == (1, 3, 2)
    assert by_code["B"][2:5] == (0, 0, 0)
    total = next(row for row in courses if row[1] == "Tổng cộng")
    assert total[2:5] == (1, 3, 2)
    listed = next(row for row in courses if row[0] == "02/2025")
    assert listed[1] == "Đảng bộ huyện A" and listed[5:8] == (3, 2, 2)
    pool = rows(book["Nguồn kết nạp"])
    by_code = {row[0]: row for row in pool[1:] if row[0]}
    # Committee A: 3 listed in January, none gone: 3 at the start of Q2 and at its end; target 4.
    assert by_code["A"][2:8] == (3, 0, 0, 0, 3, 4)
    assert by_code["A"][9:11] == (2, 1)  # two cells, one reviewed
    unreviewed = [row[0] for row in pool if row[1] and str(row[1]).startswith("Chi bộ") and row[0] != "Mã đơn vị"]
    assert "A1-2" in unreviewed and "A1-1" not in unreviewed


def test_the_demo_return_has_rows_in_the_courses_and_pool_sheets(db, tmp_path):
    as_of = D(2026, 11, 20)
    call_command("seed_demo", "--seed", "5", "--as-of", as_of.isoformat(), "--password", "thu-demo-1")
    year, quarter = quarter_of(as_of)
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    province = Unit.objects.get(kind=UnitKind.PROVINCE)
    book = export(tmp_path, province.code, year, quarter)
    courses = rows(book["Lớp bồi dưỡng"])
    total = next(row for row in courses if row[1] == "Tổng cộng")
    assert total[2] > 0 and total[3] > 0 and total[4] > 0
    start, end = quarter_bounds(year, quarter)
    held = Course.objects.filter(end_date__gte=start, end_date__lte=end).count()
    assert total[2] == held
    pool = rows(book["Nguồn kết nạp"])
    total = next(row for row in pool if row[1] == "Tổng cộng")
    at_start, added, admitted, left, at_end = total[2:7]
    assert at_end > 0 and at_start + added - admitted - left == at_end
    cells, reviewed = total[9:11]
    assert 0 < reviewed < cells  # four quarters of reviews, some cells missing one
    assert PoolReview.objects.values("year", "quarter").distinct().count() == 4
