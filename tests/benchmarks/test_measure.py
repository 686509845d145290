"""The benchmark's references must compute what the pages compute, or its ratios mean nothing."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from benchmarks import measure
from tests.factories import CandidateFactory, admitted_fields
from units.models import Headcount, Target, User
from units.tree import Tree

YEAR = datetime.date.today().year


@pytest.fixture
def admissions(tree):
    Target.objects.create(unit=tree.committee_a, year=YEAR, admissions=5)
    Target.objects.create(unit=tree.committee_a, year=YEAR - 1, admissions=99)
    for cell, n in ((tree.cell_a1, 2), (tree.cell_a2, 1), (tree.cell_b1, 3)):
        for _ in range(n):
            CandidateFactory(cell=cell, **admitted_fields(datetime.date(YEAR, 1, 2)))
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(datetime.date(YEAR - 1, 12, 31)))  # last year
    CandidateFactory(cell=tree.cell_b1)  # not admitted


def test_the_floor_query_gives_the_progress_report_numbers(tree, users, admissions):
    Headcount.objects.create(unit=tree.cell_a1, year=YEAR, members=40)
    Headcount.objects.create(unit=tree.cell_a2, year=YEAR, members=2)
    Headcount.objects.create(unit=tree.cell_a2, year=YEAR - 1, members=1000)  # another year
    march = min(datetime.date(YEAR, 3, 1), datetime.date.today())  # March, unless this is early in the year
    CandidateFactory(cell=tree.cell_b1, **admitted_fields(march))
    # By the tree of the year's last day, as the page counts (units.tree): its own paths.
    day = datetime.date(YEAR, 12, 31)
    province = Tree.as_of(day).locate(tree.province)[0]
    committee_a, committee_b = (Tree.as_of(day).locate(unit)[0] for unit in (tree.committee_a, tree.committee_b))
    floor = measure.run_floor(province, YEAR)
    assert floor["children"] == [(committee_a.path, 5, 3, 42), (committee_b.path, None, 4, None)]
    monthly = [6] + [0] * 11
    monthly[march.month - 1] += 1
    assert floor["monthly"] == monthly
    subject = measure.Subject(
        province=tree.province,
        committee=tree.committee_a,
        staff=users.province_staff,
        superuser=None,
        staff_client=None,
        admin_client=None,
        year=YEAR,
        quarter=1,
        candidate=None,
        search="",
    )
    assert measure.check_floor_matches_the_report(subject) == 7


def test_the_admin_changelist_gets_the_same_filter_and_search_as_the_list(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Hải")
    CandidateFactory(cell=tree.cell_a1, full_name="Trần Văn Hải")
    CandidateFactory(cell=tree.cell_b1, full_name="Nguyễn Văn Hùng")
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    client.force_login(users.province_staff)
    query = {"unit": tree.committee_a.pk, "q": "Nguyễn Văn H"}
    ours = client.get(reverse("recruitment:candidate_list"), query)
    theirs = admin.get(reverse("admin:recruitment_candidate_changelist"), query)
    assert [row.record.full_name for row in ours.context["table"].page.object_list] == ["Nguyễn Văn Hải"]
    assert [c.full_name for c in theirs.context["cl"].result_list] == ["Nguyễn Văn Hải"]


def test_the_return_it_times_is_the_one_the_page_downloads(client, tree, users, admissions):
    """Line 3a times the build itself (as the page or a job builds it): the same workbook, byte for byte
    in its cells, as the download."""
    import io

    import openpyxl

    subject = measure.Subject(
        province=tree.province,
        committee=tree.committee_a,
        staff=users.province_staff,
        superuser=None,
        staff_client=None,
        admin_client=None,
        year=YEAR,
        quarter=1,
        candidate=None,
        search="",
    )
    built = openpyxl.load_workbook(io.BytesIO(measure.build_return(subject)))
    client.force_login(users.province_staff)
    url = reverse("reports:quarterly_return", kwargs={"code": tree.province.code}) + f"?year={YEAR}&quarter=1"
    downloaded = openpyxl.load_workbook(io.BytesIO(client.get(url).content))
    assert built.sheetnames == downloaded.sheetnames and len(built.sheetnames) == 8
    for name in built.sheetnames:
        assert list(built[name].values) == list(downloaded[name].values), name
    assert any(row[:2] == ("A", tree.committee_a.name) for row in built["Tiến độ"].values)
