"""The pages for education and a former membership: the profile and create forms (the former
membership folded away), the resolution step, and the person's page (education, former membership,
seniority)."""

import datetime
import re

import pytest
from django.urls import reverse

from recruitment.models import Candidate, Ethnicity, FormerExit, Gender, Occupation
from tests.factories import CandidateFactory, admitted_fields

pytestmark = pytest.mark.django_db

D = datetime.date
FOLDED = re.compile(r'<details[^>]*id="folded-section"(?P<open>[^>]*)>(?P<body>.*?)</details>', re.S)


def _profile_data(client, url, **changes):
    """What the profile form sends back unchanged, with `changes`."""
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data["version"] = form.fields["version"].initial  # the hidden field a browser sends back
    data.update(changes)
    return data


def _folded(html):
    match = FOLDED.search(html)
    assert match, "no folded section"
    return match


def _official_readmitted(cell):
    """Member 2000-2010 (official from 2001), outside five years, readmitted in 2015, official in 2016."""
    return CandidateFactory(
        cell=cell,
        full_name="Lò Văn Lại",
        general_education="12/12",
        professional_education="university",
        political_theory="elementary",
        former_admission_date=D(2000, 1, 10),
        former_official_date=D(2001, 1, 10),
        former_exit_date=D(2010, 1, 10),
        former_exit=FormerExit.STRUCK_OFF,
        **admitted_fields(
            D(2015, 1, 10),
            listed_on=D(2014, 1, 5),
            resolution_date=D(2014, 12, 10),
            ceremony_date=D(2015, 1, 20),
            new_member_course_date=D(2015, 4, 1),
            recognition_no="3-QĐ/CN",
            recognition_date=D(2016, 1, 20),
        ),
    )


# --- the profile form ---------------------------------------------------------------------------


def test_the_former_membership_is_a_folded_section_of_the_profile_form(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    client.force_login(users.secretary_a1)
    html = client.get(reverse("recruitment:profile_update", args=[person.pk])).content.decode()
    folded = _folded(html)
    assert "Đã từng là đảng viên (kết nạp lại)" in folded["body"]
    assert "open" not in folded["open"]  # nothing recorded: closed, a phone user scrolls past it
    for name in ("former_admission_date", "former_official_date", "former_exit_date", "former_exit"):
        assert f'id="id_{name}"' in folded["body"]
    # The education fields stay in the main part of the form.
    main = html[: folded.start()]
    for name in ("general_education", "professional_education", "political_theory", "education_exception"):
        assert f'id="id_{name}"' in main


def test_the_profile_form_saves_education_and_a_former_membership(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    data = _profile_data(
        client,
        url,
        general_education="Tốt nghiệp THPT",  # words are read as the forms write them
        professional_education="college",
        political_theory="intermediate",
        former_admission_date="19/05/2008",
        former_official_date="19/05/2009",
        former_exit_date="02/04/2019",
        former_exit=FormerExit.EXPELLED,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert (person.general_education, person.professional_education, person.political_theory) == (
        "12/12",
        "college",
        "intermediate",
    )
    assert person.former_admission_date == D(2008, 5, 19) and person.former_official_date == D(2009, 5, 19)
    assert person.former_exit_date == D(2019, 4, 2) and person.former_exit == FormerExit.EXPELLED
    assert not person.former_readmitted
    # Recorded: the section opens by itself next time.
    assert "open" in _folded(client.get(url).content.decode())["open"]


def test_a_refusal_shows_next_to_its_field_and_saves_nothing(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, general_education="12/12", **admitted_fields(D(2025, 3, 3)))
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    response = client.post(url, _profile_data(client, url, general_education="8/12"))
    assert response.status_code == 200
    assert "chưa tốt nghiệp trung học cơ sở" in " ".join(response.context["form"].errors["general_education"])
    html = response.content.decode()
    error = re.search(r'id="id_general_education_error">([^<]*)<', html)
    assert error and "trường hợp được kết nạp dưới trung học cơ sở" in error.group(1)
    person.refresh_from_db()
    assert person.general_education == "12/12"
    # With the exception and its ground, it is saved.
    response = client.post(
        url, _profile_data(client, url, general_education="8/12", education_exception="Xã vùng cao, 12-HD/BTCTW")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.general_education == "8/12" and person.education_exception == "Xã vùng cao, 12-HD/BTCTW"


def test_a_readmission_refusal_opens_the_folded_section_at_its_field(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    data = _profile_data(
        client,
        url,
        former_admission_date="19/05/2008",
        former_exit_date="02/04/2019",
        former_exit=FormerExit.ABANDONED,
        former_readmitted="on",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    folded = _folded(response.content.decode())
    assert "open" in folded["open"]
    exit_error = re.search(r'id="id_former_exit_error">([^<]*)<', folded["body"])
    assert exit_error and "Không xem xét kết nạp lại" in exit_error.group(1)
    assert "chỉ kết nạp lại một lần" in folded["body"]
    person.refresh_from_db()
    assert not person.is_readmission


def test_a_badly_typed_general_education_is_a_form_error(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1)
    client.force_login(users.staff_a)
    url = reverse("recruitment:profile_update", args=[person.pk])
    response = client.post(url, _profile_data(client, url, general_education="lớp chín"))
    assert response.status_code == 200
    assert "Không đọc được" in " ".join(response.context["form"].errors["general_education"])


# --- the create form and the resolution step ------------------------------------------------------


def test_the_create_form_takes_a_former_membership_too(client, tree, users):
    client.force_login(users.secretary_a1)
    url = reverse("recruitment:candidate_create")
    assert "Đã từng là đảng viên (kết nạp lại)" in _folded(client.get(url).content.decode())["body"]
    response = client.post(
        url,
        {
            "full_name": "Tòng Văn Về",
            "date_of_birth": "02/09/1980",
            "gender": Gender.MALE,
            "cell": tree.cell_a1.pk,
            "ethnicity": Ethnicity.objects.get(name="Thái").pk,
            "occupation": Occupation.FARMER,
            "general_education": "7/10",
            "listed_on": "01/03/2025",
            "former_admission_date": "10/10/2003",
            "former_exit_date": "15/01/2012",
            "former_exit": FormerExit.RESIGNED_FAMILY,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    person = Candidate.objects.get(full_name="Tòng Văn Về")
    assert person.general_education == "7/10" and person.is_readmission
    assert person.former_exit == FormerExit.RESIGNED_FAMILY and person.former_official_date is None


def test_the_resolution_step_asks_for_the_general_education_next_to_its_box(client, tree, users):
    person = CandidateFactory(
        cell=tree.cell_a1,
        **admitted_fields(D(2025, 3, 3), resolution_date=None, decision_date=None, decision_no="", decision_issuer=""),
    )
    client.force_login(users.staff_a)
    url = reverse("recruitment:step_record", args=[person.pk, "resolution"])
    form = client.get(url).context["form"]
    assert {"resolution_date", "general_education", "education_exception"} <= set(form.fields)
    response = client.post(url, {"resolution_date": "10/02/2025", "version": person.version})
    assert response.status_code == 200
    error = re.search(r'id="id_general_education_error">([^<]*)<', response.content.decode())
    assert error and "Cần ghi trình độ giáo dục phổ thông" in error.group(1)
    person.refresh_from_db()
    assert person.resolution_date is None
    response = client.post(
        url, {"resolution_date": "10/02/2025", "general_education": "THCS", "version": person.version}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.resolution_date == D(2025, 2, 10) and person.general_education == "9/12"


# --- the person's page ----------------------------------------------------------------------------


def test_the_page_shows_education_former_membership_and_seniority(client, tree, users, django_assert_num_queries):
    person = _official_readmitted(tree.cell_a1)
    client.force_login(users.staff_a)
    # As many queries as any admitted person's page (test_views.test_candidate_page_query_count).
    with django_assert_num_queries(9):
        response = client.get(reverse("recruitment:candidate_detail", args=[person.pk]))
    html = response.content.decode()
    for text in ("12/12", "Đại học", "Sơ cấp"):
        assert text in html
    section = re.search(r'id="former-membership">(.*?)</section>', html, re.S).group(1)
    for text in ("10/01/2000", "10/01/2001", "10/01/2010", "Bị xóa tên"):
        assert text in section
    seniority = response.context["seniority"]
    assert seniority.admitted_on == D(2000, 1, 10) and seniority.months_outside == 60
    shown = re.search(r'id="seniority">(.*?)</dd>', html, re.S).group(1)
    assert str(seniority) in shown and "tính từ lần kết nạp đầu (10/01/2000), trừ 5 năm 0 tháng ngoài Đảng" in shown


def test_the_page_of_a_first_admission_shows_no_former_membership(client, tree, users):
    person = CandidateFactory(
        cell=tree.cell_a1,
        general_education="6/12",
        education_exception="Bản vùng cao",
        **admitted_fields(
            D(2023, 3, 3),
            ceremony_date=D(2023, 3, 20),
            new_member_course_date=D(2023, 6, 1),
            recognition_no="1-QĐ/CN",
            recognition_date=D(2024, 3, 20),
        ),
    )
    client.force_login(users.staff_a)
    html = client.get(reverse("recruitment:candidate_detail", args=[person.pk])).content.decode()
    assert 'id="former-membership"' not in html
    assert "Bản vùng cao" in html
    assert "tính từ quyết định kết nạp (03/03/2023)" in re.search(r'id="seniority">(.*?)</dd>', html, re.S).group(1)


def test_the_page_flags_a_blank_general_education_once_considered(client, tree, users):
    person = CandidateFactory(cell=tree.cell_a1, **admitted_fields(D(2025, 3, 3)))
    client.force_login(users.staff_a)
    html = client.get(reverse("recruitment:candidate_detail", args=[person.pk])).content.decode()
    alert = re.search(r'id="missing-details">(.*?)</div>', html, re.S)
    assert alert and "giáo dục phổ thông" in alert.group(1)
    assert 'id="seniority"' not in html  # decided, not yet official
