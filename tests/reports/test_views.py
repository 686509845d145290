import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from reports.excel import SHEET_BREAKDOWN, SHEET_PROGRESS, XLSX_CONTENT_TYPE
from tests.factories import CandidateFactory, admitted_fields, make_unit, make_user
from units.models import Role, Term
from units.services import headcount_set, target_set

from .helpers import admit, sheet_rows, table_rows

D = datetime.date
PAGES = ["progress", "breakdown", "pipeline", "coverage", "probation"]


def url(name, code, **params):
    from urllib.parse import urlencode

    return reverse(f"reports:{name}", kwargs={"code": code}) + (f"?{urlencode(params)}" if params else "")


def admitted(cell, day, **fields):
    return CandidateFactory(cell=cell, **admitted_fields(day), **fields)


@pytest.fixture
def year_2025(tree):
    admitted(tree.cell_a1, D(2025, 2, 10), ceremony_date=D(2025, 2, 20))
    admitted(tree.cell_a1, D(2025, 6, 1))
    admitted(tree.cell_a2, D(2025, 11, 5))
    admitted(tree.enterprise, D(2025, 1, 1))
    target_set(unit=tree.province, admissions=8, year=2025)
    target_set(unit=tree.committee_a, admissions=2, year=2025)
    target_set(unit=tree.committee_b, admissions=4, year=2025)
    return tree


def test_progress_rows_escape_names_and_mark_low_and_high_in_the_chosen_language(client, year_2025, users):
    year_2025.committee_a.name = "<b>Huyện A</b> & co"
    year_2025.committee_a.save()
    client.force_login(users.province_staff)
    content = client.get(url("progress", "P", year=2025)).content.decode()
    assert "&lt;b&gt;Huyện A&lt;/b&gt; &amp; co" in content and "<b>Huyện A</b>" not in content
    row_a = content.split('data-unit="A"')[1].split("</tr>")[0]
    row_b = content.split('data-unit="B"')[1].split("</tr>")[0]
    assert "Vượt kế hoạch" in row_a and "Dưới 50%" in row_b  # 150% and 25% of their targets
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(url("progress", "P", year=2025)).content.decode()
    assert "Above plan" in content and "Under 50%" in content


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_the_unit_and_its_period(client, year_2025, users, page):
    client.force_login(users.province_staff)
    response = client.get(url(page, "P", year=2025, quarter=1))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Quý I năm 2025" in content and "Đảng bộ tỉnh Thử" in content
    assert f"/bao-cao/P/{page}.xlsx?year=2025&amp;quarter=1" in content


def test_progress_page_shows_rows_marks_and_totals(client, year_2025, users):
    client.force_login(users.leader)
    response = client.get(url("progress", "P", year=2025))
    report = response.context["report"]
    assert [(r.unit.code, r.admitted) for r in report.rows] == [("A", 3), ("B", 1)]
    content = response.content.decode()
    assert "150,0%" in content and "25,0%" in content and "50,0%" in content  # A, B, total 4/8
    assert "Vượt kế hoạch" in content and "Dưới 50%" in content
    assert 'class="progress-bar' in content
    # the chart: an inline SVG, no script, no other host
    assert "<svg" in content and 'class="chart-actual"' in content and 'class="chart-pace"' in content
    svg = content.split("<svg", 1)[1].split("</svg>")[0]
    assert "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    # coordinates are SVG numbers (a Vietnamese "224,0" would break the drawing)
    for name in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy"):
        for value in re.findall(rf' {name}="([^"]*)"', svg):
            float(value)
    for points in re.findall(r'points="([^"]*)"', svg):
        assert re.fullmatch(r"(\d+(\.\d+)?,\d+(\.\d+)?)( \d+(\.\d+)?,\d+(\.\d+)?)*", points)
    assert ">T12</text>" in svg


def test_progress_rows_sort_by_a_column(client, year_2025, users):
    client.force_login(users.province_staff)
    response = client.get(url("progress", "P", year=2025, sort="ratio"))
    assert [r.unit.code for r in response.context["table"].rows] == ["B", "A"]
    response = client.get(url("progress", "P", year=2025, sort="-ratio"))
    assert [r.unit.code for r in response.context["table"].rows] == ["A", "B"]


def test_drill_down_links_keep_the_period(client, year_2025, users):
    client.force_login(users.province_staff)
    content = client.get(url("progress", "P", year=2025, month=10)).content.decode()
    assert f'href="{url("progress", "A")}?year=2025&amp;month=10"' in content
    response = client.get(url("progress", "A", year=2025, month=10))
    assert [r.unit.code for r in response.context["report"].rows] == ["A1"]
    assert "10 tháng đầu năm 2025" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_unit_outside_the_users_subtree_is_a_404(client, year_2025, users, page):
    client.force_login(users.staff_a)
    assert client.get(url(page, "A", year=2025)).status_code == 200
    assert client.get(url(page, "B", year=2025)).status_code == 404
    assert client.get(url(page, "P", year=2025)).status_code == 404
    assert client.get(url(page, "NO-SUCH", year=2025)).status_code == 404
    assert client.get(reverse("reports:export", kwargs={"code": "B", "report": page})).status_code == 404
    assert client.get(reverse("reports:quarterly_return", kwargs={"code": "P"})).status_code == 404


def test_a_secretary_reads_their_own_cell(client, year_2025, users):
    client.force_login(users.secretary_a1)
    response = client.get(url("progress", "A1-1", year=2025))
    assert response.status_code == 200 and response.context["report"].total.admitted == 2
    assert client.get(url("progress", "A1-2", year=2025)).status_code == 404
    # breadcrumbs name only what the reader may see
    assert response.context["ancestors"] == []


def test_index_opens_the_users_own_unit(client, users):
    client.force_login(users.staff_a)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and response.url == url("progress", "A")


def test_login_is_required(client, tree):
    response = client.get(url("progress", "P"))
    assert response.status_code == 302 and "/dang-nhap/" in response.url


@pytest.mark.parametrize(
    "params, message",
    [
        ({"year": "hai nghìn"}, "Năm"),
        ({"year": "2025", "quarter": "7"}, "Quý"),
        ({"term": "2099-2104"}, "Không có nhiệm kỳ 2099–2104"),
        ({"from": "2025-05-01", "to": "2025-01-01"}, "Ngày kết thúc phải sau"),
        ({"from": "0001-01-01", "to": "0001-02-01"}, "Ngày phải trong khoảng"),
        ({"year": "2025", "month": "13"}, "Đến hết tháng"),
    ],
)
def test_bad_period_is_a_message_not_an_error(client, tree, users, params, message):
    client.force_login(users.province_staff)
    for page in PAGES:
        response = client.get(url(page, "P", **params))
        assert response.status_code == 200
        content = response.content.decode()
        assert message in content and "alert-danger" in content
        assert "Đang hiển thị: Năm" in content


def test_a_bad_period_on_an_export_goes_back_to_the_page_with_the_message(client, tree, users):
    client.force_login(users.province_staff)
    response = client.get(
        reverse("reports:export", kwargs={"code": "P", "report": "breakdown"}) + "?year=x", follow=True
    )
    assert response.redirect_chain[-1][0] == url("breakdown", "P")
    assert "alert-danger" in response.content.decode()
    response = client.get(reverse("reports:export", kwargs={"code": "P", "report": "nonsense"}), follow=True)
    assert response.status_code == 200 and "Không có báo cáo này" in response.content.decode()


@pytest.mark.parametrize(
    "page, sheets",
    [
        ("progress", [SHEET_PROGRESS]),
        ("breakdown", [SHEET_BREAKDOWN, "Cơ cấu theo đơn vị"]),
        ("pipeline", ["Quy trình"]),
        ("coverage", ["Chưa kết nạp"]),
        ("probation", ["Dự bị"]),
    ],
)
def test_each_report_downloads_as_excel(client, year_2025, users, page, sheets):
    client.force_login(users.leader)
    response = client.get(reverse("reports:export", kwargs={"code": "P", "report": page}) + "?year=2025&quarter=1")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert f"{page}_P_year2025-quarter1.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == sheets
    assert workbook[sheets[0]]["A2"].value == "Quý I năm 2025"


def test_quarterly_return_has_every_sheet_and_counts_only_what_the_reader_may_see(client, year_2025, users):
    client.force_login(users.staff_a)
    response = client.get(reverse("reports:quarterly_return", kwargs={"code": "A"}) + "?year=2025")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        SHEET_PROGRESS,
        SHEET_BREAKDOWN,
        "Cơ cấu theo đơn vị",
        "Quy trình",
        "Chưa kết nạp",
        "Dự bị",
        "Lớp bồi dưỡng",
        "Nguồn kết nạp",
    ]
    rows = list(workbook[SHEET_PROGRESS].iter_rows(min_row=5, values_only=True))
    assert rows[-1][1] == "Tổng cộng" and rows[-1][3] == 3


# --- query counts: pinned, and the same with 2 and with 12 units below (and 6 times the people) ------


def build_wide_tree(children):
    root = make_unit(None, code="ROOT", name="Đảng bộ tỉnh Rộng")
    term = Term.objects.create(start_year=2020, end_year=2025)
    target_set(unit=root, admissions=10 * children, year=2025)
    target_set(unit=root, admissions=50 * children, term=term)
    headcount_set(unit=root, year=2025, members=70 * children)  # members reported at every level
    for index in range(children):
        committee = make_unit(root)
        target_set(unit=committee, admissions=5, year=2025)
        org = make_unit(committee)
        headcount_set(unit=committee if index % 2 else org, year=2025, members=61)
        for _ in range(2):
            cell = make_unit(org)
            headcount_set(unit=cell, year=2025, members=30)
            admitted(cell, D(2025, 1 + index % 12, 3), ceremony_date=D(2025, 1 + index % 12, 10))
            admitted(cell, D(2024, 3, 3), ceremony_date=D(2024, 3, 10))
            CandidateFactory(cell=cell, listed_on=D(2025, 2, 1))
        make_unit(make_unit(committee))  # an organisation whose one cell admits nobody: the coverage lists
    return root


# session, user with its unit (scope; one query, units.backends), the unit, its ancestors, the terms
# + each report's own.
# Coverage and probation show a page of each of their two lists: coverage counts from two queries of
# paths and reads each page as objects (+2); probation counts both lists in one query and reads each
# page (+1 over its two whole-list queries of before).
# + 1: the unit's place in the tree of the period's last day (units.tree.Tree.locate).
QUERIES = {
    name: count + 1
    for name, count in {
        "progress": 4 + 4,
        "breakdown": 4 + 3,
        "pipeline": 4 + 3,
        "coverage": 4 + 2 + 2,
        "probation": 4 + 1 + 2,
    }.items()
}


@pytest.mark.parametrize("children", [2, 12])
def test_page_query_count_is_pinned_and_does_not_grow(client, db, django_assert_num_queries, children):
    root = build_wide_tree(children)
    client.force_login(make_user(root, Role.LEADERSHIP))
    for page in PAGES:
        for params in ({"year": "2025"}, {"term": "2020-2025"}):
            # a term costs its lookup (the progress page's monthly chart comes with its roll-up)
            expected = QUERIES[page]
            if "term" in params:
                expected += 1
            with django_assert_num_queries(expected):
                response = client.get(url(page, "ROOT", **params))
            assert response.status_code == 200
            if page == "progress":
                assert len(response.context["report"].rows) == children


@pytest.mark.parametrize("children", [2, 12])
def test_quarterly_return_query_count_does_not_grow(client, db, django_assert_num_queries, children):
    root = build_wide_tree(children)
    client.force_login(make_user(root, Role.STAFF))
    # session, user with its unit, the unit + 4 + 3 + 3 + 3 + 2 (the term lookup is not needed for a year)
    # + 1: the closed quarters of the period (issue 6). Coverage: two queries of paths for the counts,
    # then every idle cell and organisation as objects in one. + 1: the read log's one insert (units.readlog).
    # + 1: the size of the subtree, which decides whether a worker builds it (reports.results.needs_job;
    # this one is small). Courses: the units below, the courses held, their participants, the list of
    # courses (4); the pool: the units below, its flow per unit (the total is their sum), the targets, the
    # cells, the reviews, the persons proposed, the cells not reviewed (7).
    # + 1: the unit's place in the tree of the period's last day (units.tree.Tree.locate).
    with django_assert_num_queries(3 + 15 + 1 + 1 + 1 + 4 + 7 + 1):
        response = client.get(reverse("reports:quarterly_return", kwargs={"code": "ROOT"}) + "?year=2025")
    assert response.status_code == 200


def test_coverage_page_lists_idle_cells_and_organisations(client, year_2025, users):
    client.force_login(users.province_staff)
    content = client.get(url("coverage", "P", year=2025)).content.decode()
    assert "B1-1" in content.split('data-testid="idle-cell-list"')[1].split("</table>")[0]
    idle_orgs = content.split('data-testid="idle-grassroots-list"')[1].split("</table>")[0]
    assert "Đảng bộ phường B1" in idle_orgs and "Đảng bộ xã A1" not in idle_orgs
    assert "2/3" in content  # grassroots organisations that admitted anyone: A1 and the enterprise


def submitted_fields(form_html):
    """What the browser sends for a GET form left as it is: inputs' values, selects' chosen option."""
    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form_html):
        fields[name] = value
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form_html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options) or re.search(
            r'<option value="([^"]*)"', options
        )
        fields[name] = chosen.group(1)
    return fields


def test_each_period_form_sends_one_kind_of_period(client, tree, users):
    Term.objects.create(start_year=2020, end_year=2025)
    client.force_login(users.province_staff)
    content = client.get(url("progress", "P", year=2025, quarter=2)).content.decode()
    forms = dict(re.findall(r'<form method="get"[^>]*data-kind="(\w+)">(.*?)</form>', content, re.S))
    assert set(forms) == {"year", "term", "range"}
    expected = {"year": "Quý II năm 2025", "term": "Nhiệm kỳ 2020–2025", "range": "Từ 01/03/2025 đến 31/03/2025"}
    for kind, form_html in forms.items():
        fields = submitted_fields(form_html)
        if kind == "range":
            fields.update({"from": "2025-03-01", "to": "2025-03-31"})
        response = client.get(url("progress", "P"), fields)
        page = response.content.decode()
        assert "alert-danger" not in page, (kind, fields)
        assert response.context["period"].label == expected[kind]


# --- long lists: a page at a time on the page, every row in the workbook ----------------------------

LIST_TODAY = D(2026, 11, 22)


@pytest.fixture
def list_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: LIST_TODAY)


@pytest.fixture
def two_a_page(monkeypatch, list_today):
    from reports.views import ReportView

    monkeypatch.setattr(ReportView, "paginate_by", 2)


@pytest.fixture
def probationers(tree):
    """Five whose 12 months end in 2026 (December: not yet due on LIST_TODAY), three long overdue."""
    for day in range(1, 6):
        admit(tree.cell_a1 if day % 2 else tree.cell_b1, 1, D(2025, 11, 20 + day), ceremony_date=D(2025, 12, day))
    for month in (3, 5, 7):
        admit(tree.cell_a2, 1, D(2023, month, 1), ceremony_date=D(2023, month, 10))
    return tree


def probation_rows(client, **params):
    page = client.get(url("probation", "P", year=2026, **params))
    assert page.status_code == 200
    content = page.content.decode()
    return (
        content,
        table_rows(content, "probation-ending", "data-person"),
        table_rows(content, "probation-overdue", "data-person"),
    )


def test_probation_page_shows_a_page_of_each_list_and_how_many_there_are(client, probationers, users, two_a_page):
    client.force_login(users.province_staff)
    content, ending, overdue = probation_rows(client)
    assert (len(ending), len(overdue)) == (2, 2)
    assert re.search(r'id="probation-ending">[^<]*<span class="badge[^"]*">5</span>', content)
    assert re.search(r'id="probation-overdue">[^<]*<span class="badge[^"]*">3</span>', content)
    assert "Đang hiển thị 1–2 trong số 5." in content and "Đang hiển thị 1–2 trong số 3." in content
    assert content.count("Tải Excel để có danh sách đầy đủ.") == 2
    assert 'href="?year=2026&amp;ending_page=2#probation-ending"' in content
    assert 'href="?year=2026&amp;overdue_page=2#probation-overdue"' in content

    # each list pages on its own and its links keep the period and the other list's page
    content, ending, overdue = probation_rows(client, ending_page=3, overdue_page=2)
    assert (len(ending), len(overdue)) == (1, 1)
    assert "Đang hiển thị 5–5 trong số 5." in content and "Đang hiển thị 3–3 trong số 3." in content
    assert 'href="?year=2026&amp;overdue_page=2&amp;ending_page=2#probation-ending"' in content
    assert 'href="?year=2026&amp;ending_page=3&amp;overdue_page=1#probation-overdue"' in content
    assert f'href="{reverse("reports:export", kwargs={"code": "P", "report": "probation"})}?year=2026"' in content


def test_a_page_number_out_of_range_or_not_a_number_shows_a_page(client, probationers, users, two_a_page):
    client.force_login(users.province_staff)
    _content, first, _overdue = probation_rows(client)
    _content, last, _overdue = probation_rows(client, ending_page=3)
    for value, expected in (
        ("abc", first),
        ("", first),
        ("2.5", first),
        ("99999", last),
        ("0", last),
        ("-1", last),
        ("1e9", first),
    ):
        _content, shown, _overdue = probation_rows(client, ending_page=value)
        assert shown == expected, value
    response = client.get(url("coverage", "P", year=2026, cells_page="x" * 500, grassroots_page="99999999999999999999"))
    assert response.status_code == 200


def test_one_page_of_a_list_says_nothing_about_pages(client, probationers, users, list_today):
    client.force_login(users.province_staff)
    content, ending, overdue = probation_rows(client)  # 50 a page
    assert (len(ending), len(overdue)) == (5, 3)
    assert "Đang hiển thị" not in content and "ending_page=" not in content


def test_the_pages_together_are_the_workbook_row_by_row(client, probationers, users, two_a_page):
    client.force_login(users.province_staff)
    shown = []
    for number in (1, 2, 3):
        _content, ending, _overdue = probation_rows(client, ending_page=number)
        shown += [row[1:] for row in ending]
    for number in (1, 2):
        _content, _ending, overdue = probation_rows(client, overdue_page=number)
        shown += [row[1:] for row in overdue]
    download = client.get(reverse("reports:export", kwargs={"code": "P", "report": "probation"}) + "?year=2026")
    rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(download.content))["Dự bị"])
    assert len(rows) == len(shown) == 8
    assert shown == [[name, cell, *(day.strftime("%d/%m/%Y") for day in dates)] for name, cell, *dates, _note in rows]

    # coverage: nobody admitted in 2026, so all four cells and three organisations are idle
    def coverage_rows(**params):
        content = client.get(url("coverage", "P", year=2026, **params)).content.decode()
        return table_rows(content, "idle-cell-list", "data-unit"), table_rows(
            content, "idle-grassroots-list", "data-unit"
        )

    cells = coverage_rows()[0] + coverage_rows(cells_page=2)[0]
    organisations = coverage_rows()[1] + coverage_rows(grassroots_page=2)[1]
    download = client.get(reverse("reports:export", kwargs={"code": "P", "report": "coverage"}) + "?year=2026")
    rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(download.content))["Chưa kết nạp"])
    split = rows.index(("Mã đơn vị", "Tổ chức cơ sở đảng chưa kết nạp", "Loại hình"))
    assert [row[1:] for row in cells] == [[code, name, grassroots or "—"] for code, name, grassroots in rows[:split]]
    assert [row[1:] for row in organisations] == [list(row) for row in rows[split + 1 : split + 4]]
    assert len(cells) == 4 and len(organisations) == 3
    assert rows[split + 5][1:] == ("Số chi bộ chưa kết nạp", 4)


def test_the_count_of_a_long_list_reads_in_english(client, probationers, users, two_a_page):
    client.force_login(users.province_staff)
    client.post("/ngon-ngu/", {"language": "en", "next": "/"})
    content, _ending, _overdue = probation_rows(client)
    assert "Showing 1–2 of 5." in content and "Download the Excel file for the full list." in content
