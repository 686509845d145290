"""What users stumbled on (issue 14), one test each: a person typed twice, a decision number wrong
after recognition, unchanged forms writing empty history, the cell list of a whole province, the
pager's words, the admin's tree fields, the targets' warning shown twice."""

import datetime
import re

import pytest
from django.urls import reverse

from recruitment.models import Candidate, Ethnicity
from tests.factories import CandidateFactory, admitted_fields, make_unit, make_user
from units.models import ClosedQuarter, Role, Target
from units.services import target_set

D = datetime.date


def as_sent(form):
    """The form's fields as a browser sends them back untouched."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False or value == "":
            continue
        if isinstance(value, datetime.date):
            value = value.strftime("%d/%m/%Y")
        data[name] = "on" if value is True else value
    return data


def new_person(cell, **extra):
    return {
        "ethnicity": Ethnicity.objects.get(name="Kinh").pk,
        "full_name": "Lò Thị Trùng",
        "date_of_birth": "15/03/1999",
        "gender": "female",
        "cell": cell.pk,
        "listed_on": "01/03/2025",
        "occupation": "farmer",
        **extra,
    }


def test_the_same_person_in_the_same_cell_is_not_added_twice_without_a_word(client, tree, users):
    client.force_login(users.staff_a)
    url = reverse("recruitment:candidate_create")
    response = client.post(url, new_person(tree.cell_a1))
    assert response.status_code == 302, response.context["form"].errors
    first = Candidate.objects.get()
    # Typed again, diacritics and spaces aside: warned with a link to the one already listed.
    response = client.post(url, new_person(tree.cell_a1, full_name=" lò thị  trùng "))
    assert response.status_code == 200 and Candidate.objects.count() == 1
    page = response.content.decode()
    assert "Chi bộ đã có người cùng họ tên và ngày sinh" in page
    assert reverse("recruitment:candidate_detail", args=[first.pk]) in page and 'id="duplicate-confirm"' in page
    # Another cell, another date of birth: no warning.
    assert client.post(url, new_person(tree.cell_a2)).status_code == 302
    assert client.post(url, new_person(tree.cell_a1, date_of_birth="16/03/1999")).status_code == 302
    # Two people after all: confirmed, added.
    response = client.post(url, new_person(tree.cell_a1, confirm_duplicate="1"))
    assert response.status_code == 302
    assert Candidate.objects.filter(cell=tree.cell_a1, search_name="lo thi trung").count() == 3


@pytest.fixture
def recognised(tree):
    return CandidateFactory(
        cell=tree.cell_a1,
        full_name="Quàng Văn Chính",
        **admitted_fields(D(2024, 3, 1), decision_no="99-QĐ/SAI"),
        ceremony_date=D(2024, 3, 15),
        recognition_date=D(2025, 3, 15),
        recognition_no="7-QĐ/HU",
    )


def test_staff_correct_a_wrong_decision_number_after_recognition(client, tree, users, recognised):
    url = reverse("recruitment:step_record", args=[recognised.pk, "decision"])
    client.force_login(users.staff_a)
    detail = client.get(reverse("recruitment:candidate_detail", args=[recognised.pk])).content.decode()
    assert url in detail  # the correction is offered
    form = client.get(url).context["form"]
    data = {**as_sent(form), "decision_no": "101-QĐ/HU"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    recognised.refresh_from_db()
    assert recognised.decision_no == "101-QĐ/HU" and recognised.recognition_date == D(2025, 3, 15)
    latest = recognised.history.order_by("-history_id").first()
    assert (latest.decision_no, latest.history_user) == ("101-QĐ/HU", users.staff_a)
    # The same rules: a decision date after the ceremony is refused, a closed quarter is frozen.
    response = client.post(url, {**data, "decision_date": "20/03/2024", "version": recognised.version})
    assert response.status_code == 200
    ClosedQuarter.objects.create(unit=tree.committee_a, year=2024, quarter=1)
    response = client.post(url, {**data, "decision_no": "102-QĐ/HU", "version": recognised.version})
    assert response.status_code == 200
    recognised.refresh_from_db()
    assert recognised.decision_no == "101-QĐ/HU"
    # A secretary records no decision, before or after recognition; other steps stay closed.
    client.force_login(users.secretary_a1)
    assert client.post(url, data).status_code == 403
    client.force_login(users.staff_a)
    assert client.get(reverse("recruitment:step_record", args=[recognised.pk, "ceremony"])).status_code == 302


def test_saving_unchanged_forms_writes_no_history(client, tree, users, recognised):
    client.force_login(users.staff_a)
    before = recognised.history.count()
    profile = reverse("recruitment:profile_update", args=[recognised.pk])
    response = client.post(profile, as_sent(client.get(profile).context["form"]), follow=True)
    assert "Không có gì thay đổi" in response.content.decode()
    step = reverse("recruitment:step_record", args=[recognised.pk, "recognition"])
    response = client.post(step, as_sent(client.get(step).context["form"]), follow=True)
    assert "Không có gì thay đổi" in response.content.decode()
    recognised.refresh_from_db()
    assert recognised.history.count() == before
    # A change is still saved, and is one entry.
    client.post(profile, {**as_sent(client.get(profile).context["form"]), "full_name": "Quàng Văn Chính Mới"})
    assert recognised.history.count() == before + 1
    # The targets handed down: the unchanged ones are left alone.
    year = datetime.date.today().year
    target_set(unit=tree.org_a, admissions=3, year=year)
    targets = reverse("units:child_targets", args=[tree.committee_a.pk]) + f"?nam={year}"
    before = Target.history.count()
    client.post(targets, as_sent(client.get(targets).context["form"]))
    assert Target.history.count() == before


def test_the_year_targets_shortfall_is_said_once(client, tree, users):
    year = datetime.date.today().year
    target_set(unit=tree.province, admissions=120, year=year)
    client.force_login(users.province_staff)
    url = reverse("units:child_targets", args=[tree.province.pk]) + f"?nam={year}"
    form = client.get(url).context["form"]
    data = {
        **as_sent(form),
        f"unit_{tree.committee_a.pk}": "60",
        f"unit_{tree.committee_b.pk}": "46",
    }
    page = client.post(url, data, follow=True).content.decode()
    assert page.count("thấp hơn chỉ tiêu") == 1 and 'id="shortfall"' in page


def test_the_cell_list_is_grouped_by_parent_and_searchable(client, tree, users, django_assert_max_num_queries):
    for index in range(3):
        org = make_unit(tree.committee_a, code=f"X{index}", name=f"Đảng bộ xã {index}")
        make_unit(org, code=f"X{index}-1", name="Chi bộ thôn 1")
    client.force_login(users.staff_a)
    with django_assert_max_num_queries(5):  # the cells with their parents: one query, not one per cell
        page = client.get(reverse("recruitment:candidate_create")).content.decode()
    select = page.split('name="cell"')[1].split("</select>")[0]
    assert "data-searchable" in page.split('name="cell"')[0].rsplit("<select", 1)[1] + select[:200]
    assert '<optgroup label="Đảng bộ xã 2 · X2">' in select
    assert "Chi bộ thôn 1 · X2-1" in select and "Chi bộ thôn 1 · A1-1" in select
    assert select.count("Chi bộ thôn 1 ·") == 4  # same names, told apart by code and group
    # A POST still checks the cell against the user's scope.
    response = client.post(reverse("recruitment:candidate_create"), new_person(tree.cell_b1))
    assert response.status_code == 200 and "cell" in response.context["form"].errors


def test_the_pager_reads_vietnamese(client, tree, users):
    for _ in range(12):
        CandidateFactory(cell=tree.cell_a1)
    client.force_login(users.staff_a)

    def pager(query):
        page = client.get(reverse("recruitment:candidate_list") + query).content.decode()
        return " ".join(re.sub(r"<[^>]+>", " ", page.split('class="pagination')[1].split("</ul>")[0]).split())

    assert pager("?per_page=10").endswith("Trang sau &raquo;") and "next" not in pager("?per_page=10")
    text = pager("?per_page=10&page=2")
    assert text.split("> ", 1)[1].startswith("&laquo; Trang trước") and "previous" not in text


def test_the_admins_tree_fields_are_in_vietnamese(client, tree):
    admin = make_user(None, Role.STAFF, "quantri")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    for url in (reverse("admin:units_unit_add"), reverse("admin:units_unit_change", args=[tree.org_a.pk])):
        page = client.get(url).content.decode()
        assert "Vị trí trong cây" in page and "So với đơn vị" in page
        assert "Relative to" not in page and "Position" not in page and "First child of" not in page
