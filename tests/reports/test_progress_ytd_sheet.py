"""The progress sheet of a quarter's return carries the year to date ("Lũy kế từ đầu năm", "% kế hoạch
năm"), the figures the quarter's page shows; a year's sheet keeps its columns."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import excel
from tests.factories import CandidateFactory, admitted_fields
from units.formatting import vn_int, vn_percent
from units.services import target_set

from .helpers import sheet_rows, table_rows

D = datetime.date
YEAR_HEADERS = [
    *excel.PROGRESS_HEADERS,
    "Còn lại",
    "Dự kiến cả năm",
    "Số đảng viên",
    "Tỷ lệ kết nạp/đảng viên",
    excel.PROGRESS_MEMBERS_SOURCE,
    excel.PROGRESS_MEMBERS_NOTE,
]
YTD, YEAR_RATIO = 9, 10  # the columns' places (0-based) on a quarter's sheet


@pytest.fixture
def autumn_2025(tree):
    """A: 5 of 8 by 30/9, one in Q3; B: 2 of 4, one in Q3; the province's target 10."""
    for day in (D(2025, 1, 5), D(2025, 2, 5), D(2025, 4, 5), D(2025, 5, 5), D(2025, 8, 5), D(2025, 11, 5)):
        CandidateFactory(cell=tree.cell_a1, **admitted_fields(day))
    for day in (D(2025, 3, 5), D(2025, 9, 5)):
        CandidateFactory(cell=tree.cell_b1, **admitted_fields(day))
    target_set(unit=tree.province, admissions=10, year=2025)
    target_set(unit=tree.committee_a, admissions=8, year=2025)
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    return tree


def _progress_sheet(client, query):
    response = client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + query)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))[excel.SHEET_PROGRESS]


def _headers(sheet):
    return [cell.value for cell in sheet[excel.HEADER_ROW]]


def test_a_quarters_sheet_holds_the_year_to_date_the_page_shows(client, autumn_2025, users):
    client.force_login(users.province_staff)
    query = "?year=2025&quarter=3"
    response = client.get(reverse("reports:progress", kwargs={"code": "P"}) + query)
    page, report = response.content.decode(), response.context["report"]
    sheet = _progress_sheet(client, query)

    headers = _headers(sheet)
    assert headers == [*YEAR_HEADERS[:9], "Lũy kế từ đầu năm", "% kế hoạch năm", *YEAR_HEADERS[9:]]
    rows = {row[0] if row[1] != excel.PROGRESS_TOTAL else "total": row for row in sheet_rows(sheet)}
    # The figures of the report the page drew, row by row and in total.
    expected = {row.unit.code: row for row in report.rows} | {"total": report.total}
    assert {key: (row[3], row[YTD], row[YEAR_RATIO]) for key, row in rows.items()} == {
        key: (row.admitted, row.year_to_date, row.year_ratio) for key, row in expected.items()
    }
    assert {key: (row[3], row[YTD], row[YEAR_RATIO]) for key, row in rows.items()} == {
        "A": (1, 5, 5 / 8),
        "B": (1, 2, 0.5),
        "total": (2, 7, 0.7),
    }
    # As the page writes them: its table's "Lũy kế từ đầu năm" and "Lũy kế/chỉ tiêu năm", and its line.
    shown = {row[0]: row for row in table_rows(page, "progress-table", "data-unit")}
    for key, row in rows.items():
        assert shown[key][5:7] == [vn_int(row[YTD]), vn_percent(row[YEAR_RATIO])], key
    line = re.search(r'data-testid="year-to-date">([^<]*)<', page).group(1)
    assert f"lũy kế 9 tháng {vn_int(rows['total'][YTD])}, đạt {vn_percent(rows['total'][YEAR_RATIO])}" in line
    first = excel.HEADER_ROW + 1
    assert sheet.cell(first, YTD + 1).number_format == excel.INT_FORMAT
    assert sheet.cell(first, YEAR_RATIO + 1).number_format == excel.PERCENT_FORMAT
    # The members' source and the note still come last.
    assert rows["total"][-2:] == (None, None) and len(rows["total"]) == len(headers)


def test_the_first_quarter_keeps_the_layout_with_its_own_admissions_as_the_year_to_date(client, autumn_2025, users):
    client.force_login(users.province_staff)
    sheet = _progress_sheet(client, "?year=2025&quarter=1")
    assert _headers(sheet)[YTD : YEAR_RATIO + 1] == excel.PROGRESS_YEAR_TO_DATE
    total = sheet_rows(sheet)[-1]
    assert (total[3], total[YTD], total[YEAR_RATIO]) == (3, 3, 0.3)


def test_a_range_from_mid_year_carries_the_year_to_date_as_its_page_does(client, autumn_2025, users):
    client.force_login(users.province_staff)
    query = "?from=2025-05-01&to=2025-08-31"
    report = client.get(reverse("reports:progress", kwargs={"code": "P"}) + query).context["report"]
    assert report.year_to_date_apart
    total = sheet_rows(_progress_sheet(client, query))[-1]
    assert (
        (total[3], total[YTD], total[YEAR_RATIO])
        == (2, 6, 0.6)
        == (
            report.total.admitted,
            report.total.year_to_date,
            report.total.year_ratio,
        )
    )


@pytest.mark.parametrize("query", ["?year=2025", "?year=2025&month=10"])
def test_a_year_or_its_first_months_keep_the_sheet_as_it_was(client, autumn_2025, users, query):
    client.force_login(users.province_staff)
    sheet = _progress_sheet(client, query)
    assert _headers(sheet) == YEAR_HEADERS
    assert all(len(row) == len(YEAR_HEADERS) for row in sheet_rows(sheet))


def test_the_year_to_date_costs_the_return_no_query(client, autumn_2025, users):
    """A quarter's year to date comes from the same roll-up by month as its own admissions."""
    client.force_login(users.province_staff)

    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reports:quarterly_return", kwargs={"code": "P"}) + query).status_code == 200
        return len(captured.captured_queries)

    queries("?year=2025")  # warm the session's first-request queries out of the comparison
    assert queries("?year=2025&quarter=3") == queries("?year=2025")
