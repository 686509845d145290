"""The pipeline pages: scope (inside vs outside), roles, rules shown next to fields, query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from recruitment.models import Candidate, Ethnicity, Gender, Occupation
from recruitment.pipeline import Stage, StepKind
from tests.factories import CandidateFactory, admitted_fields
from units.models import Target

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _login(client, user):
    client.force_login(user)
    return client


def _people(cell, n, **fields):
    return [CandidateFactory(cell=cell, **fields) for _ in range(n)]


def _admitted(cell, day, **extra):
    extra.setdefault("general_education", "12/12")
    return CandidateFactory(cell=cell, **admitted_fields(day), **extra)


def _flat(client, url, grow, django_assert_num_queries, expected):
    """The page costs `expected` queries, and the same after `grow()` adds data."""
    with django_assert_num_queries(expected):
        first = client.get(url)
    assert first.status_code == 200
    grow()
    with django_assert_num_queries(expected):
        second = client.get(url)
    assert second.status_code == 200
    return second


# --- Home ---------------------------------------------------------------------------------------


def test_secretary_home_shows_quota_stages_and_due_items(client, tree, users):
    Target.objects.create(unit=tree.cell_a1, year=YEAR, admissions=4)
    day = (
        datetime.date(YEAR, 1, 5)
        if datetime.date.today() > datetime.date(YEAR, 3, 1)
        else datetime.date(YEAR - 1, 12, 1)
    )
    _admitted(tree.cell_a1, day, full_name="Lò Văn Kết")
    _people(tree.cell_a1, 2)
    _admitted(tree.cell_b1, day, full_name="Người Ngoài")
    response = _login(client, users.secretary_a1).get(reverse("home"))
    html = response.content.decode()
    assert response.context["own"].target == 4
    assert response.context["own"].admitted == (1 if day.year == YEAR else 0)
    assert response.context["is_secretary"]
    assert 'data-stat="remaining"' in html
    assert "người mỗi tháng" in html  # the pace needed to reach the quota
    counts = {stage.value: n for stage, n in response.context["stage_counts"]}
    assert counts[Stage.LISTED] == 2
    assert [item.candidate.full_name for item in response.context["todo"]] == ["Lò Văn Kết"]
    assert "Người Ngoài" not in html


def test_staff_home_lists_children_and_todo(client, tree, users, django_assert_num_queries):
    Target.objects.create(unit=tree.province, year=YEAR, admissions=10)
    Target.objects.create(unit=tree.committee_a, year=YEAR, admissions=6)

    def grow():
        for cell in (tree.cell_a1, tree.cell_b1, tree.enterprise):
            _admitted(cell, datetime.date.today() - datetime.timedelta(days=3))
            _people(cell, 2)

    # Something due from the start: the rows shown cost a query only when there are any.
    _admitted(tree.cell_a2, datetime.date.today() - datetime.timedelta(days=4))
    response = _flat(_login(client, users.province_staff), reverse("home"), grow, django_assert_num_queries, 11)
    rows = {row.unit.code: row for row in response.context["table"].rows}
    assert set(rows) == {"A", "B"}
    assert rows["A"].target == 6 and rows["B"].target is None
    today = datetime.date.today()
    this_year = [
        day
        for day in [today - datetime.timedelta(days=4)] + [today - datetime.timedelta(days=3)] * 3
        if day.year == today.year
    ]
    assert response.context["own"].admitted == len(this_year)
    assert response.context["todo_total"] == 4  # the four ceremonies are due
    assert "Đảng bộ huyện A" in response.content.decode()


def test_secretary_home_query_count_does_not_grow(client, tree, users, django_assert_num_queries):
    _admitted(tree.cell_a1, datetime.date.today() - datetime.timedelta(days=4))

    def grow():
        _people(tree.cell_a1, 5)
        _admitted(tree.cell_a1, datetime.date.today() - datetime.timedelta(days=6))

    _flat(_login(client, users.secretary_a1), reverse("home"), grow, django_assert_num_queries, 10)


# --- The list -----------------------------------------------------------------------------------


def test_list_is_scoped_and_masks_citizen_ids(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Trong Phạm Vi", citizen_id="001203004567")
    CandidateFactory(cell=tree.cell_b1, full_name="Ngoài Phạm Vi")
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_list"))
    html = response.content.decode()
    assert "Trong Phạm Vi" in html and "Ngoài Phạm Vi" not in html
    assert "••••4567" in html and "001203004567" not in html


def test_search_ignores_diacritics_and_finds_citizen_ids(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An", citizen_id="001203009999")
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Ân")
    CandidateFactory(cell=tree.cell_a1, full_name="Trần Thị Bình")
    client = _login(client, users.staff_a)
    names = lambda r: [row.record.full_name for row in r.context["table"].page.object_list]  # noqa: E731
    assert sorted(names(client.get(reverse("recruitment:candidate_list"), {"q": "nguyen van an"}))) == [
        "Nguyễn Văn An",
        "Nguyễn Văn Ân",
    ]
    assert names(client.get(reverse("recruitment:candidate_list"), {"q": "9999"})) == ["Nguyễn Văn An"]


def test_names_sorted_by_given_name_then_family_name(client, tree, users):
    for name in ("Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Văn An", "Âu Văn An"):
        CandidateFactory(cell=tree.cell_a1, full_name=name)
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_list"))
    assert [row.record.full_name for row in response.context["table"].page.object_list] == [
        "Âu Văn An",
        "Lê Văn An",
        "Nguyễn Thị Ánh",
        "Trần Văn Bình",
    ]


def test_filters_by_subtree_stage_year_and_profile(client, tree, users):
    kinh = Ethnicity.objects.get(name="Kinh")
    thai = Ethnicity.objects.get(name="Thái")
    _admitted(tree.cell_a1, datetime.date(2025, 5, 5), full_name="Kết Nạp A", gender=Gender.FEMALE, ethnicity=thai)
    _admitted(tree.cell_b1, datetime.date(2024, 5, 5), full_name="Kết Nạp B")
    CandidateFactory(
        cell=tree.cell_a2,
        full_name="Quần Chúng A2",
        occupation=Occupation.WORKER,
        youth_union_member=True,
        ethnicity=kinh,
    )
    # A historic record with a gap: decided without a course recorded.
    Candidate.objects.create(
        cell=tree.cell_b1,
        full_name="Thiếu Bước",
        date_of_birth=datetime.date(1990, 1, 1),
        gender=Gender.MALE,
        ethnicity=kinh,
        occupation=Occupation.FARMER,
        listed_on=datetime.date(2024, 1, 1),
        resolution_date=datetime.date(2024, 6, 1),
    )
    client = _login(client, users.province_staff)

    def names(**params):
        response = client.get(reverse("recruitment:candidate_list"), params)
        assert response.status_code == 200
        return sorted(row.record.full_name for row in response.context["table"].page.object_list)

    assert names(unit=tree.committee_a.pk) == ["Kết Nạp A", "Quần Chúng A2"]
    assert names(stage=Stage.DECIDED) == ["Kết Nạp A", "Kết Nạp B"]
    assert names(year=2024) == ["Kết Nạp B"]
    assert names(gender=Gender.FEMALE) == ["Kết Nạp A"]
    assert names(ethnicity=thai.pk) == ["Kết Nạp A"]
    assert names(occupation=Occupation.WORKER, youth_union_member="true") == ["Quần Chúng A2"]
    assert names(incomplete="true") == ["Thiếu Bước"]
    assert "Thiếu Bước" not in names(incomplete="false")


def test_bad_filter_values_are_not_an_error_page(client, tree, users):
    CandidateFactory(cell=tree.cell_a1)
    client = _login(client, users.staff_a)
    for params in (
        {"year": "abc"},
        {"year": "99999"},
        {"unit": "999999"},
        {"unit": tree.cell_b1.pk},
        {"stage": "nonsense"},
        {"page": "x"},
        {"sort": "nonsense"},
    ):
        response = client.get(reverse("recruitment:candidate_list"), params)
        assert response.status_code in (200, 404), params
    # A unit outside the scope is not a choice: it filters nothing in and shows the error.
    response = client.get(reverse("recruitment:candidate_list"), {"unit": tree.cell_b1.pk})
    assert response.context["filter"].errors


def test_list_query_count_does_not_grow(client, tree, users, django_assert_num_queries):
    _people(tree.cell_a1, 3)
    _flat(
        _login(client, users.staff_a),
        reverse("recruitment:candidate_list") + "?q=nguyen&stage=listed",
        lambda: _people(tree.cell_a2, 30),
        django_assert_num_queries,
        6,
    )


def test_export_is_the_filtered_scoped_list(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An", citizen_id="001203004567")
    CandidateFactory(cell=tree.cell_a1, full_name="Trần Thị Bình")
    CandidateFactory(cell=tree.cell_b1, full_name="Nguyễn Văn Ngoài")
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_export"), {"q": "nguyen", "cccd": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ và tên"
    assert [row[0] for row in rows[1:]] == ["Nguyễn Văn An"]
    assert rows[1][-1] == "001203004567"  # staff who ask get the full number
    assert rows[1][1].date() == datetime.date(1995, 3, 15)


def test_export_keeps_text_that_looks_like_a_formula_as_text(client, tree, users):
    CandidateFactory(
        cell=tree.cell_a1,
        decision_no="=1+2",
        **{k: v for k, v in admitted_fields(datetime.date(2025, 3, 3)).items() if k != "decision_no"},
    )
    response = _login(client, users.staff_a).get(reverse("recruitment:candidate_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Số quyết định kết nạp") + 1)
    assert cell.value == "=1+2" and cell.data_type == "s"


def test_export_leaves_citizen_ids_out_for_secretaries_even_when_asked(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, citizen_id="001203004567")
    response = _login(client, users.secretary_a1).get(reverse("recruitment:candidate_export"), {"cccd": "1"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "Số CCCD" not in rows[0]
    assert not any("4567" in str(value) for row in rows for value in row)


def test_export_query_count_does_not_grow(client, tree, users, django_assert_num_queries):
    _people(tree.cell_a1, 2)
    _flat(
        _login(client, users.staff_a),
        reverse("recruitment:candidate_export"),
        lambda: _people(tree.cell_a1, 20),
        django_assert_num_queries,
        3 + 1 + 1,  # + the count that decides it is short enough for the request; + the read log's insert
    )


# --- One person ---------------------------------------------------------------------------------


def test_candidate_page_inside_and_outside_scope(client, tree, users):
    inside = CandidateFactory(cell=tree.cell_a1, full_name="Trong")
    outside = CandidateFactory(cell=tree.cell_b1, full_name="Ngoài")
    client = _login(client, users.staff_a)
    response = client.get(reverse("recruitment:candidate_detail", args=[inside.pk]))
    assert response.status_code == 200
    assert [crumb.code for crumb in response.context["crumbs"]] == ["A", "A1", "A1-1"]  # not the province
    for name in ("candidate_detail", "profile_update"):
        assert client.get(reverse(f"recruitment:{name}", args=[outside.pk])).status_code == 404
    assert client.get(reverse("recruitment:step_record", args=[outside.pk, "course"])).status_code == 404
    assert (
        client.post(
            reverse("recruitment:step_record", args=[outside.pk, "course"]),
            {"course_certificate_no": "1", "course_date": "01/02/2024"},
        ).status_code
        == 404
    )


def test_next_steps_buttons_follow_the_role(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    url = reverse("recruitment:candidate_detail", args=[person.pk])
    staff_steps = [s.kind for s in _login(client, users.staff_a).get(url).context["next_steps"]]
    assert staff_steps == [StepKind.COURSE, StepKind.EXIT]  # the file needs the course first
    secretary_steps = [s.kind for s in _login(client, users.secretary_a1).get(url).context["next_steps"]]
    assert secretary_steps == [StepKind.COURSE]
    assert _login(client, users.leader).get(url).context["next_steps"] == []


def test_candidate_page_query_count(client, tree, users, django_assert_num_queries):
    person = _admitted(tree.cell_a1, datetime.date(2025, 3, 3))
    client = _login(client, users.staff_a)
    # 4 (the user's unit comes with the user) + 4 (issue 6): closed quarters; the history rows; the names of
    # the ethnicity and the cell in them; + 1: the awareness courses with their organisers.
    with django_assert_num_queries(9):
        response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    assert "101-QĐ/HU" in response.content.decode()
    assert [d["label"] for d in response.context["deadlines"]] == [StepKind.CEREMONY.label]


def test_recording_a_step_saves_and_confirms(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, listed_on=datetime.date(2024, 1, 10))
    client = _login(client, users.secretary_a1)
    url = reverse("recruitment:step_record", args=[person.pk, "course"])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"course_certificate_no": "45-GCN", "course_date": "20/03/2024", "version": person.version}, follow=True
    )
    person.refresh_from_db()
    assert person.course_date == datetime.date(2024, 3, 20)
    assert person.updated_by == users.secretary_a1
    assert "Đã ghi" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("recruitment:candidate_detail", args=[person.pk])


def test_rule_violation_shows_next_to_the_field_and_saves_nothing(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, listed_on=datetime.date(2024, 1, 10))
    client = _login(client, users.staff_a)
    url = reverse("recruitment:step_record", args=[person.pk, "course"])
    response = client.post(
        url, {"course_certificate_no": "45-GCN", "course_date": "05/01/2024", "version": person.version}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "không được trước" in " ".join(errors["course_date"])
    assert 'id="id_course_date_error"' in response.content.decode()
    person.refresh_from_db()
    assert person.course_date is None


def test_badly_typed_date_is_a_form_error(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    response = _login(client, users.staff_a).post(
        reverse("recruitment:step_record", args=[person.pk, "course"]),
        {"course_certificate_no": "1", "course_date": "31/02/2024"},
    )
    assert response.status_code == 200
    assert "dd/mm/yyyy" in " ".join(response.context["form"].errors["course_date"])


def test_secretary_cannot_record_the_file_and_leadership_nothing(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, course_certificate_no="1", course_date=datetime.date(2024, 3, 1))
    data = {"application_date": "01/04/2024", "introducer_1": "Lê Văn Một", "introducer_2": "Phạm Thị Hai"}
    url = reverse("recruitment:step_record", args=[person.pk, "file"])
    assert _login(client, users.secretary_a1).get(url).status_code == 403
    assert _login(client, users.secretary_a1).post(url, data).status_code == 403
    assert _login(client, users.leader).post(url, data).status_code == 403
    assert (
        _login(client, users.leader)
        .post(
            reverse("recruitment:step_record", args=[person.pk, "course"]),
            {"course_certificate_no": "2", "course_date": "02/03/2024"},
        )
        .status_code
        == 403
    )
    person.refresh_from_db()
    assert person.application_date is None and person.course_certificate_no == "1"


def test_step_out_of_order_is_refused(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    client = _login(client, users.staff_a)
    url = reverse("recruitment:step_record", args=[person.pk, "decision"])
    assert client.get(url).status_code == 302
    response = client.post(
        url, {"decision_no": "1", "decision_date": "01/04/2024", "decision_issuer": "HU", "version": person.version}
    )
    assert response.status_code == 200
    assert "cần hoàn thành các bước trước" in " ".join(response.context["form"].non_field_errors())
    assert client.get(reverse("recruitment:step_record", args=[person.pk, "nonsense"])).status_code == 404


def test_step_form_query_count(client, tree, users, django_assert_num_queries):
    person = CandidateFactory(cell=tree.cell_a1)
    client = _login(client, users.staff_a)
    with django_assert_num_queries(4):
        assert client.get(reverse("recruitment:step_record", args=[person.pk, "course"])).status_code == 200


def test_create_lists_a_person_in_scope(client, tree, users):
    kinh = Ethnicity.objects.get(name="Kinh")
    data = {
        "full_name": "Lò Thị Mới",
        "date_of_birth": "02/09/2000",
        "gender": Gender.FEMALE,
        "cell": tree.cell_a1.pk,
        "ethnicity": kinh.pk,
        "occupation": Occupation.FARMER,
        "listed_on": "01/03/2025",
    }
    client = _login(client, users.secretary_a1)
    assert client.get(reverse("recruitment:candidate_create")).status_code == 200
    response = client.post(reverse("recruitment:candidate_create"), data, follow=True)
    person = Candidate.objects.get(full_name="Lò Thị Mới")
    assert person.cell == tree.cell_a1 and person.created_by == users.secretary_a1
    assert "Đã thêm" in response.content.decode()
    # Another cell is not a choice for this secretary.
    response = client.post(reverse("recruitment:candidate_create"), {**data, "cell": tree.cell_a2.pk, "full_name": "X"})
    assert "cell" in response.context["form"].errors
    assert not Candidate.objects.filter(full_name="X").exists()
    assert _login(client, users.leader).get(reverse("recruitment:candidate_create")).status_code == 403


def test_create_shows_rule_errors_next_to_fields(client, tree, users):
    kinh = Ethnicity.objects.get(name="Kinh")
    CandidateFactory(cell=tree.cell_a1, citizen_id="001203004567")
    response = _login(client, users.staff_a).post(
        reverse("recruitment:candidate_create"),
        {
            "full_name": "Trùng Số",
            "date_of_birth": "02/09/2000",
            "gender": Gender.MALE,
            "cell": tree.cell_a1.pk,
            "ethnicity": kinh.pk,
            "occupation": Occupation.FARMER,
            "listed_on": "01/03/1999",
            "citizen_id": "001203004567",
        },
    )
    errors = response.context["form"].errors
    assert "đã có" in " ".join(errors["citizen_id"])
    assert "phải sau ngày sinh" in " ".join(errors["listed_on"])


def test_profile_update(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, full_name="Tên Cũ")
    client = _login(client, users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(full_name="Tên Mới", date_of_birth="15/03/1995", cell=tree.cell_a2.pk, version=person.version)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert person.full_name == "Tên Mới" and person.cell == tree.cell_a2
    assert _login(client, users.leader).get(url).status_code == 403


# --- Board and to-do ----------------------------------------------------------------------------


def test_board_has_a_column_per_stage_with_counts(client, tree, users, django_assert_num_queries):
    def grow():
        _people(tree.cell_a1, 3)
        _admitted(tree.cell_a2, datetime.date(2025, 4, 4))
        _people(tree.cell_b1, 2)

    response = _flat(_login(client, users.staff_a), reverse("recruitment:board"), grow, django_assert_num_queries, 10)
    columns = {column["stage"]: column for column in response.context["columns"]}
    assert columns[Stage.LISTED]["count"] == 3 and len(columns[Stage.LISTED]["people"]) == 3
    assert columns[Stage.DECIDED]["count"] == 1


def test_board_of_a_unit_outside_scope_is_404(client, tree, users):
    client = _login(client, users.staff_a)
    assert client.get(reverse("recruitment:board_unit", args=[tree.org_a.pk])).status_code == 200
    assert client.get(reverse("recruitment:board_unit", args=[tree.org_b.pk])).status_code == 404
    assert client.get(reverse("recruitment:todo_unit", args=[tree.org_b.pk])).status_code == 404


def test_todo_page(client, tree, users, django_assert_num_queries):
    def grow():
        _admitted(tree.cell_a1, datetime.date.today() - datetime.timedelta(days=5), full_name="Chờ Lễ")
        _admitted(tree.cell_b1, datetime.date.today() - datetime.timedelta(days=5), full_name="Ngoài")

    _admitted(tree.cell_a2, datetime.date.today() - datetime.timedelta(days=4))
    response = _flat(_login(client, users.staff_a), reverse("recruitment:todo"), grow, django_assert_num_queries, 9)
    html = response.content.decode()
    assert "Chờ Lễ" in html and "Ngoài" not in html
    assert "ngày làm việc" in html


def test_todo_page_pages_filters_by_kind_and_by_overdue(client, tree, users):
    today = datetime.date.today()
    late = [_admitted(tree.cell_a1, today - datetime.timedelta(days=200 + n)) for n in range(55)]  # ceremonies late
    waiting = CandidateFactory(
        cell=tree.cell_a2,
        **admitted_fields(today - datetime.timedelta(days=2), decision_no="", decision_issuer="", decision_date=None),
    )
    _login(client, users.staff_a)
    url = reverse("recruitment:todo")

    first = client.get(url)
    assert first.context["total"] == 56 and first.context["page"].paginator.num_pages == 2
    # Most overdue first: the oldest decision comes first; the decision still in time comes last.
    assert first.context["items"][0].candidate == late[-1]
    second = client.get(url, {"page": 2})
    assert [item.candidate for item in second.context["items"]][-1] == waiting
    assert len(second.context["items"]) == 6

    decisions = client.get(url, {"kind": "decision"})
    assert [item.candidate for item in decisions.context["items"]] == [waiting]
    assert decisions.context["kinds"][0][2] == {"total": 1, "overdue": 0}

    overdue = client.get(url, {"overdue": "1"})
    assert overdue.context["total"] == 55
    assert 'href="?overdue=1&amp;page=2"' in overdue.content.decode()  # the next page keeps the filter
    nothing = client.get(url, {"kind": "decision", "overdue": "1"})
    assert nothing.context["total"] == 0
    assert "Không có việc nào thuộc loại đã chọn." in nothing.content.decode()

    # Nonsense in the query string is ignored, not an error.
    assert client.get(url, {"kind": "x", "page": "zz", "overdue": "yes"}).status_code == 200


def test_form_pages_query_counts(client, tree, users, django_assert_num_queries):
    person = CandidateFactory(cell=tree.cell_a1)
    client = _login(client, users.staff_a)
    # The cell and reference choices are one query each, whatever their number.
    _flat(
        client, reverse("recruitment:candidate_create"), lambda: _people(tree.cell_a2, 5), django_assert_num_queries, 5
    )
    _flat(
        client,
        reverse("recruitment:profile_update", args=[person.pk]),
        lambda: _people(tree.cell_a2, 5),
        django_assert_num_queries,
        7,
    )


def test_leadership_home_reads_only(client, tree, users):
    CandidateFactory(cell=tree.cell_a1)
    response = _login(client, users.leader).get(reverse("home"))
    assert response.status_code == 200
    assert not response.context["can_list"]
    assert reverse("recruitment:candidate_create") not in response.content.decode()
    person = Candidate.objects.get()
    detail = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    assert reverse("recruitment:profile_update", args=[person.pk]) not in detail.content.decode()


def test_user_without_unit_sees_an_explanation(client, db):
    from tests.factories import make_user

    user = make_user(None, role="")
    client.force_login(user)
    assert "chưa gắn với đơn vị" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("recruitment:board")).status_code == 404
    assert client.get(reverse("recruitment:candidate_list")).status_code == 200


def test_refusals_are_explained_in_vietnamese(client, tree, users, settings):
    settings.DEBUG = False
    person = CandidateFactory(cell=tree.cell_a1)
    outside = CandidateFactory(cell=tree.cell_b1)
    client = _login(client, users.secretary_a1)
    response = client.get(reverse("recruitment:step_record", args=[person.pk, "file"]))
    assert response.status_code == 403 and "Bạn không có quyền" in response.content.decode()
    response = client.get(reverse("recruitment:candidate_detail", args=[outside.pk]))
    assert response.status_code == 404 and "ngoài phạm vi" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "recruitment:candidate_list",
        "recruitment:board",
        "recruitment:todo",
        "recruitment:candidate_create",
        "units:unit_tree",
    ],
)
def test_pages_render_in_english(client, tree, users, name):
    _admitted(tree.cell_a1, datetime.date.today() - datetime.timedelta(days=3))
    client = _login(client, users.staff_a)
    client.cookies["django_language"] = "en"
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
