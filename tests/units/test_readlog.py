"""Who read what: exports of member data and views of full citizen IDs are recorded, one insert each, and
read by the staff of the reader's unit and of the committees above, paginated and filtered."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import CandidateFactory, admitted_fields, make_user
from units import readlog
from units.models import ReadEvent, Role

FULL_ID = "001203004567"


@pytest.fixture
def person(tree):
    day = datetime.date.today() - datetime.timedelta(days=2)
    return CandidateFactory(
        cell=tree.cell_a1, full_name="Hoàng Thị Được Đọc", citizen_id=FULL_ID, **admitted_fields(day)
    )


def only_event(**filters):
    events = list(ReadEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


# --- What is recorded ----------------------------------------------------------------------------


def test_the_list_export_is_recorded_with_its_filters_and_rows(client, tree, users, person):
    CandidateFactory(cell=tree.cell_a2)
    client.force_login(users.staff_a)
    client.get(reverse("recruitment:candidate_export"), {"cccd": "1"})
    event = only_event(kind=ReadEvent.Kind.CANDIDATE_EXPORT)
    assert (event.user, event.username, event.reader_unit, event.unit) == (
        users.staff_a,
        "tochuc_a",
        tree.committee_a,
        tree.committee_a,
    )
    assert event.rows == 2 and "kèm số CCCD đầy đủ" in event.detail and event.ip_address == "127.0.0.1"
    client.get(reverse("recruitment:candidate_export"), {"unit": tree.cell_a1.pk, "q": "Được"})
    event = ReadEvent.objects.filter(kind=ReadEvent.Kind.CANDIDATE_EXPORT).first()  # the newest
    assert event.unit == tree.cell_a1 and event.rows == 1
    assert "Chi bộ thôn 1" in event.detail and "Được" in event.detail and "CCCD đầy đủ" not in event.detail


def test_a_secretarys_export_is_recorded_too(client, tree, users, person):
    client.force_login(users.secretary_a1)
    client.get(reverse("recruitment:candidate_export"))
    event = only_event(kind=ReadEvent.Kind.CANDIDATE_EXPORT)
    assert event.reader_unit == tree.cell_a1 and event.rows == 1 and event.detail == ""


def test_a_full_citizen_id_on_the_record_and_in_the_form_is_recorded(client, tree, users, person):
    client.force_login(users.staff_a)
    client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    event = only_event(kind=ReadEvent.Kind.CITIZEN_ID)
    assert (event.object_id, event.object_repr, event.unit) == (person.pk, person.full_name, tree.cell_a1)
    client.get(reverse("recruitment:profile_update", args=[person.pk]))
    assert ReadEvent.objects.filter(kind=ReadEvent.Kind.CITIZEN_ID, detail="biểu mẫu sửa hồ sơ").count() == 1


def test_no_record_where_no_full_number_is_shown(client, tree, users, person):
    for who in (users.leader, users.secretary_a1):  # they read the last four digits
        client.force_login(who)
        client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
        client.get(reverse("recruitment:profile_update", args=[person.pk]))
    client.force_login(users.staff_a)
    no_id = CandidateFactory(cell=tree.cell_a1)
    client.get(reverse("recruitment:candidate_detail", args=[no_id.pk]))
    assert not ReadEvent.objects.exists()


def test_report_workbooks_with_people_and_the_quarterly_return_are_recorded(client, tree, users, person):
    client.force_login(users.staff_a)
    year = datetime.date.today().year
    client.get(reverse("reports:export", kwargs={"code": "A", "report": "probation"}), {"year": year})
    client.get(reverse("reports:export", kwargs={"code": "A", "report": "coverage"}), {"year": year})  # counts only
    client.get(reverse("reports:quarterly_return", kwargs={"code": "A1"}), {"year": year, "quarter": 1})
    report = only_event(kind=ReadEvent.Kind.REPORT_EXPORT)
    assert report.unit == tree.committee_a and report.period == f"Năm {year}" and report.detail == "Dự bị"
    quarterly = only_event(kind=ReadEvent.Kind.QUARTERLY_RETURN)
    assert quarterly.unit == tree.org_a and str(year) in quarterly.period and "Quý" in quarterly.period
    assert ReadEvent.objects.count() == 2


def test_recording_is_one_insert(client, users, person, django_assert_num_queries):
    client.force_login(users.staff_a)
    url = reverse("recruitment:candidate_detail", args=[person.pk])
    client.get(url)  # warm
    with django_assert_num_queries(9 + 1) as captured:  # the page's 9 (tests/recruitment) + the insert
        client.get(url)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "units_readevent" in inserts[0]


# --- Who reads the log ---------------------------------------------------------------------------


@pytest.fixture
def events(tree, users):
    """One read by each of: province staff, committee A staff, the A1-1 secretary, committee B staff."""
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    made = {}
    for user, unit in (
        (users.province_staff, tree.province),
        (users.staff_a, tree.committee_a),
        (users.secretary_a1, tree.cell_a1),
        (staff_b, tree.committee_b),
    ):
        made[user.username] = ReadEvent.objects.create(
            kind=ReadEvent.Kind.CANDIDATE_EXPORT, user=user, username=user.username, reader_unit=user.unit, unit=unit
        )
    return made


def names(response):
    return {event.username for event in response.context["page"].object_list}


def test_staff_see_what_their_subtree_read_and_nothing_above_or_beside(client, tree, users, events):
    client.force_login(users.staff_a)
    response = client.get(reverse("dashboard:read_log", args=[tree.committee_a.pk]))
    assert response.status_code == 200
    assert names(response) == {"tochuc_a", "bithu_a1"}
    text = response.content.decode()
    assert "tochuc_b" not in text and ">tochuc<" not in text
    assert names(client.get(reverse("dashboard:read_log", args=[tree.cell_a1.pk]))) == {"bithu_a1"}
    # The committee above and the branch beside are outside: as if they did not exist.
    for unit in (tree.province, tree.committee_b):
        assert client.get(reverse("dashboard:read_log", args=[unit.pk])).status_code == 404


def test_the_committee_above_sees_every_read_below_it(client, tree, users, events):
    client.force_login(users.province_staff)
    response = client.get(reverse("dashboard:read_log", args=[tree.province.pk]))
    assert names(response) == {"tochuc", "tochuc_a", "bithu_a1", "tochuc_b"}


@pytest.mark.parametrize("who", ["leader", "secretary_a1"])
def test_only_staff_read_the_log(client, tree, users, events, who):
    client.force_login(getattr(users, who))
    unit = getattr(users, who).unit
    assert client.get(reverse("dashboard:read_log", args=[unit.pk])).status_code == 403


def test_the_unit_page_links_to_the_log_for_staff_only(client, tree, users):
    url = reverse("dashboard:unit_detail", args=[tree.committee_a.pk])
    link = reverse("dashboard:read_log", args=[tree.committee_a.pk])
    client.force_login(users.staff_a)
    assert link in client.get(url).content.decode()
    client.force_login(users.leader)
    assert link not in client.get(url).content.decode()


def test_the_log_filters_by_kind_name_and_day(client, tree, users, events):
    ReadEvent.objects.create(
        kind=ReadEvent.Kind.CITIZEN_ID,
        user=users.staff_a,
        username="tochuc_a",
        reader_unit=tree.committee_a,
        unit=tree.cell_a1,
        object_id=1,
        object_repr="Hoàng Thị Được Đọc",
    )
    old = events["bithu_a1"]
    ReadEvent.objects.filter(pk=old.pk).update(at=old.at - datetime.timedelta(days=40))
    client.force_login(users.province_staff)
    url = reverse("dashboard:read_log", args=[tree.province.pk])
    assert names(client.get(url, {"kind": "citizen_id"})) == {"tochuc_a"}
    assert names(client.get(url, {"q": "BITHU"})) == {"bithu_a1"}
    assert len(client.get(url, {"q": "Được Đọc"}).context["page"].object_list) == 1
    ten_days_ago = (datetime.date.today() - datetime.timedelta(days=10)).strftime("%d/%m/%Y")
    assert "bithu_a1" not in names(client.get(url, {"since": ten_days_ago}))
    assert names(client.get(url, {"until": ten_days_ago})) == {"bithu_a1"}
    # Nonsense is a message, not a 500, and shows nothing rather than everything.
    response = client.get(url, {"since": "31/02/2025", "kind": "x", "page": "zz"})
    assert response.status_code == 200 and list(response.context["page"].object_list) == []
    empty = client.get(url, {"q": "không ai"}).content.decode()
    assert "Không có lần đọc nào khớp bộ lọc" in empty


def test_the_log_is_paginated_and_keeps_its_filter(client, tree, users):
    ReadEvent.objects.bulk_create(
        ReadEvent(kind=ReadEvent.Kind.QUARTERLY_RETURN, username="tochuc_a", reader_unit=tree.committee_a)
        for _ in range(60)
    )
    client.force_login(users.staff_a)
    url = reverse("dashboard:read_log", args=[tree.committee_a.pk])
    first = client.get(url, {"kind": "quarterly_return"})
    assert len(first.context["page"].object_list) == 50 and first.context["page"].paginator.count == 60
    assert "kind=quarterly_return&amp;page=2" in first.content.decode()
    assert len(client.get(url, {"kind": "quarterly_return", "page": 2}).context["page"].object_list) == 10


def test_an_empty_log_says_what_will_appear(client, tree, users):
    client.force_login(users.staff_a)
    text = client.get(reverse("dashboard:read_log", args=[tree.committee_a.pk])).content.decode()
    assert "Chưa có ai trong đơn vị xuất dữ liệu" in text


def test_the_log_page_query_count_does_not_grow(client, tree, users, django_assert_num_queries):
    def add(n):
        ReadEvent.objects.bulk_create(
            ReadEvent(kind=ReadEvent.Kind.CITIZEN_ID, username=f"u{i}", reader_unit=tree.cell_a1, unit=tree.cell_a1)
            for i in range(n)
        )

    add(3)
    client.force_login(users.staff_a)
    url = reverse("dashboard:read_log", args=[tree.committee_a.pk])
    # session, the account with its unit, the unit, its ancestors (crumbs), the count, the page's rows
    # with the reader's and the data's units.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    add(80)
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(url, {"kind": "citizen_id", "q": "u1", "page": "2"}).status_code == 200


def test_describe_filters_names_the_choices():
    from recruitment.filters import CandidateFilter
    from recruitment.models import Candidate

    class Anyone:
        is_authenticated = True
        is_active = True
        is_superuser = True
        unit_id = None

    filterset = CandidateFilter({"stage": "listed", "q": "an"}, queryset=Candidate.objects.none(), user=Anyone())
    text = readlog.describe_filters(filterset.form)
    assert "an" in text and "listed" not in text


def test_the_command_line_export_is_recorded_for_the_admin(tree, tmp_path):
    from django.core.management import call_command

    call_command("export_report", unit="A", year="2025", output=str(tmp_path / "bao-cao.xlsx"))
    event = only_event(kind=ReadEvent.Kind.QUARTERLY_RETURN)
    assert event.username.startswith("manage.py export_report (") and event.unit == tree.committee_a
    assert event.reader_unit is None and event.period == "Năm 2025"
