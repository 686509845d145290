"""The Charter's education rule, readmission (kết nạp lại) and party seniority (tuổi đảng), through
Candidate.full_clean (what the pages, the import and the admin all run) and the services."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from recruitment import pipeline, services
from recruitment.models import Candidate, Ethnicity, FormerExit
from recruitment.pipeline import StepKind
from tests.factories import CandidateFactory, admitted_fields

D = datetime.date
RESOLUTION = D(2023, 6, 10)


def build(cell, **fields):
    values = {
        "full_name": "Lò Văn Học",
        "date_of_birth": D(1975, 3, 15),
        "gender": "male",
        "ethnicity": Ethnicity.objects.get(name="Thái"),
        "occupation": "farmer",
        "general_education": "12/12",
        "cell": cell,
        "listed_on": D(2023, 1, 10),
    }
    values.update(fields)
    return Candidate(**values)


def considered(**overrides):
    """A complete file the cell considered on RESOLUTION and admitted three weeks later."""
    fields = admitted_fields(RESOLUTION + datetime.timedelta(days=21), resolution_date=RESOLUTION)
    fields.update(overrides)
    return fields


def errors_of(candidate):
    try:
        candidate.full_clean()
    except ValidationError as refused:
        return refused.message_dict
    return {}


@pytest.fixture
def cell(tree):
    return tree.cell_a1


# --- education: lower secondary at least, or a recorded exception ---------------------------------


# Longer words ("Tốt nghiệp THPT") are read by the forms and the import before they reach the model.
@pytest.mark.parametrize("grade", ["9/12", "7/10", "12/12", "10/10", "THCS", "cấp 2"])
def test_lower_secondary_or_more_is_accepted(cell, grade):
    candidate = build(cell, general_education=grade, **considered())
    assert errors_of(candidate) == {}
    assert candidate.general_education in ("9/12", "7/10", "12/12", "10/10")


@pytest.mark.parametrize("grade", ["8/12", "6/10", "5/12"])
def test_below_lower_secondary_is_refused_without_an_exception_and_accepted_with_one(cell, grade):
    candidate = build(cell, general_education=grade, **considered())
    message = " ".join(errors_of(candidate)["general_education"])
    assert f"Giáo dục phổ thông {grade}: chưa tốt nghiệp trung học cơ sở" in message
    assert "trường hợp được kết nạp dưới trung học cơ sở" in message
    candidate.education_exception = "Xã vùng cao, đồng bào dân tộc thiểu số (Hướng dẫn 12-HD/BTCTW)"
    assert errors_of(candidate) == {}


def test_the_education_rule_waits_for_the_cell_to_consider_the_case(cell):
    # Someone in the pool may still be finishing school: nothing to refuse until the cell's resolution.
    assert errors_of(build(cell, general_education="6/12")) == {}
    # A historic record without the resolution but with the decision was considered all the same.
    historic = build(cell, general_education="6/12", **considered(resolution_date=None))
    assert "general_education" in errors_of(historic)


def test_an_unreadable_grade_is_one_message_not_a_crash(cell):
    errors = errors_of(build(cell, general_education="lớp9", **considered()))
    assert len(errors["general_education"]) == 1 and "Không đọc được" in errors["general_education"][0]


def test_the_resolution_step_in_the_browser_demands_the_general_education(tree, users):
    person = CandidateFactory(
        cell=tree.cell_a1, **considered(resolution_date=None, decision_date=None, decision_no="", decision_issuer="")
    )
    assert person.general_education == ""
    with pytest.raises(ValidationError) as refused:
        services.step_record(
            actor=users.staff_a, candidate=person, kind=StepKind.RESOLUTION, resolution_date=RESOLUTION
        )
    assert "Cần ghi trình độ giáo dục phổ thông" in " ".join(refused.value.message_dict["general_education"])
    assert Candidate.objects.get(pk=person.pk).resolution_date is None
    # Below lower secondary: refused on the field, then recorded with the exception and its ground.
    with pytest.raises(ValidationError) as refused:
        services.step_record(
            actor=users.staff_a,
            candidate=Candidate.objects.get(pk=person.pk),
            kind=StepKind.RESOLUTION,
            resolution_date=RESOLUTION,
            general_education="8/12",
        )
    assert "chưa tốt nghiệp trung học cơ sở" in " ".join(refused.value.message_dict["general_education"])
    services.step_record(
        actor=users.staff_a,
        candidate=Candidate.objects.get(pk=person.pk),
        kind=StepKind.RESOLUTION,
        resolution_date=RESOLUTION,
        general_education="8/12",
        education_exception="Xã biên giới; Công văn 15-CV/TU",
    )
    person = Candidate.objects.get(pk=person.pk)
    assert person.resolution_date == RESOLUTION and person.general_education == "8/12"
    assert not person.is_incomplete


def test_a_historic_record_with_a_blank_general_education_is_accepted_and_flagged(tree, users):
    record = Candidate(
        full_name="Giàng A Sử",
        date_of_birth=D(1990, 2, 1),
        gender="male",
        ethnicity=Ethnicity.objects.get(name="Mông"),
        occupation="farmer",
        cell=tree.cell_a1,
        **considered(),
    )
    services.candidate_save_record(actor=users.staff_a, candidate=record)
    record = Candidate.objects.get(pk=record.pk)
    assert record.missing_steps == []
    assert [str(label) for label in record.missing_details] == ["giáo dục phổ thông"]
    assert record.is_incomplete
    assert list(Candidate.objects.incomplete()) == [record]
    # Recording it clears the flag.
    services.candidate_update_profile(actor=users.staff_a, candidate=record, general_education="9/12")
    assert not Candidate.objects.incomplete().exists()


def test_a_blank_general_education_before_the_resolution_is_not_flagged(cell):
    person = CandidateFactory(cell=cell, course_date=D(2024, 2, 1), course_certificate_no="1")
    assert not person.is_incomplete and not Candidate.objects.incomplete().exists()


def test_the_demo_people_pass_the_education_rule(cell):
    for grade in ("12/12", "9/12"):  # what recruitment.demo gives everyone
        assert pipeline.check(build(cell, general_education=grade, **considered())) == {}


# --- readmission (kết nạp lại) --------------------------------------------------------------------


def former(**overrides):
    """An official member from 2008 who was struck off in 2019."""
    values = {
        "former_admission_date": D(2008, 5, 19),
        "former_official_date": D(2009, 5, 19),
        "former_exit_date": D(2019, 4, 2),
        "former_exit": FormerExit.STRUCK_OFF,
    }
    values.update(overrides)
    return values


def test_a_former_member_is_readmitted_after_36_months(cell):
    candidate = build(cell, **considered(), **former())
    assert errors_of(candidate) == {}
    assert candidate.is_readmission


@pytest.mark.parametrize(
    "left, accepted",
    [
        (D(2020, 6, 10), True),  # exactly 36 months before the resolution
        (D(2020, 6, 11), False),  # one day short: 35 months
        (D(2020, 1, 1), True),
        (D(2022, 6, 10), False),
    ],
)
def test_36_months_between_leaving_and_the_cells_resolution(cell, left, accepted):
    errors = errors_of(build(cell, **considered(), **former(former_exit_date=left)))
    if accepted:
        assert errors == {}
    else:
        message = " ".join(errors["former_exit_date"])
        assert "Chưa đủ 36 tháng" in message and "10/06/2023" in message
        assert f"từ {left.day:02d}/{left.month:02d}/{left.year + 3}" in message


def test_the_36_months_wait_is_checked_when_the_cell_considers_the_case(cell):
    # Listed the month after leaving is fine: the wait is counted to the cell's resolution.
    assert errors_of(build(cell, **former(former_exit_date=D(2022, 12, 1)))) == {}


@pytest.mark.parametrize("exit", sorted(pipeline.NEVER_READMITTED))
def test_the_exits_the_rules_exclude_are_never_readmitted(cell, exit):
    assert exit in FormerExit.values
    errors = errors_of(build(cell, **considered(), **former(former_exit=exit)))
    message = " ".join(errors["former_exit"])
    assert "Không xem xét kết nạp lại" in message and str(FormerExit(exit).label) in message
    # Time does not change it: refused from the listing on.
    assert "former_exit" in errors_of(build(cell, **former(former_exit=exit)))


@pytest.mark.parametrize(
    "exit", [FormerExit.STRUCK_OFF, FormerExit.EXPELLED, FormerExit.RESIGNED_FAMILY, FormerExit.OTHER]
)
def test_the_other_exits_may_be_readmitted(cell, exit):
    assert errors_of(build(cell, **considered(), **former(former_exit=exit))) == {}


def test_only_once(cell):
    errors = errors_of(build(cell, **considered(), **former(former_readmitted=True)))
    assert "chỉ kết nạp lại một lần" in " ".join(errors["former_readmitted"])


@pytest.mark.parametrize(
    "overrides, field, fragment",
    [
        ({"former_official_date": D(2008, 5, 1)}, "former_official_date", "không được trước ngày vào Đảng lần trước"),
        ({"former_exit_date": D(2009, 1, 1)}, "former_exit_date", "không được trước ngày chính thức lần trước"),
        (
            {"former_official_date": None, "former_exit_date": D(2008, 1, 1)},
            "former_exit_date",
            "không được trước ngày vào Đảng lần trước",
        ),
        ({"former_exit_date": D(2023, 6, 20)}, "former_exit_date", "phải trước ngày chi bộ xét kết nạp lại"),
        ({"former_admission_date": D(1970, 1, 1)}, "former_admission_date", "phải sau ngày sinh"),
    ],
)
def test_the_former_membership_is_dated_in_order(cell, overrides, field, fragment):
    errors = errors_of(build(cell, **considered(), **former(**overrides)))
    assert fragment in " ".join(errors[field])


def test_no_former_date_in_the_future(cell):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    errors = errors_of(build(cell, **former(former_exit_date=tomorrow)))
    assert "tương lai" in " ".join(errors["former_exit_date"])


def test_a_former_membership_needs_its_admission_exit_and_how_it_ended(cell):
    errors = errors_of(build(cell, former_exit=FormerExit.STRUCK_OFF))
    assert set(errors) == {"former_admission_date", "former_exit_date"}
    assert "cần ghi ngày ra khỏi Đảng" in errors["former_exit_date"][0]
    errors = errors_of(build(cell, former_admission_date=D(2008, 5, 19)))
    assert set(errors) == {"former_exit_date", "former_exit"}
    # A member who was never official (struck off while probationary) has no official date.
    assert errors_of(build(cell, **considered(), **former(former_official_date=None))) == {}


# --- party seniority (tuổi đảng) -----------------------------------------------------------------


def official(decision, **overrides):
    """The fields of a member admitted on `decision` and recognised after the 12 months."""
    ceremony = decision + datetime.timedelta(days=10)
    return admitted_fields(
        decision,
        ceremony_date=ceremony,
        new_member_course_date=ceremony + datetime.timedelta(days=60),
        recognition_no="9-QĐ/CN",
        recognition_date=ceremony.replace(year=ceremony.year + 1),
        **overrides,
    )


def test_seniority_counts_from_the_admission_decision_for_an_official_member(cell):
    member = build(cell, **official(D(2019, 3, 15)))
    assert errors_of(member) == {}
    seniority = pipeline.party_seniority(member, D(2024, 3, 14))
    assert seniority.months == 59 and str(seniority) == "4 năm 11 tháng"
    seniority = pipeline.party_seniority(member, D(2024, 3, 15))
    assert seniority.months == 60 and seniority.years == 5 and str(seniority) == "5 năm 0 tháng"
    assert seniority.admitted_on == seniority.counted_from == D(2019, 3, 15) and seniority.months_outside == 0
    assert pipeline.party_seniority(member, D(2019, 3, 14)) is None


def test_no_seniority_before_official_recognition(cell):
    probationary = build(cell, **admitted_fields(D(2023, 6, 1), ceremony_date=D(2023, 6, 10)))
    assert pipeline.party_seniority(probationary, D(2024, 3, 1)) is None
    assert pipeline.party_seniority(build(cell), D(2024, 3, 1)) is None


def test_a_readmitted_member_counts_from_the_first_admission_less_the_time_outside(cell):
    # Member for 10 years (2000-2010), outside 5 years, readmitted in 2015: 20 years in 2025.
    member = build(
        cell,
        **official(D(2015, 1, 10), resolution_date=D(2014, 12, 10), listed_on=D(2014, 1, 5)),
        **former(
            former_admission_date=D(2000, 1, 10),
            former_official_date=D(2001, 1, 10),
            former_exit_date=D(2010, 1, 10),
        ),
    )
    assert errors_of(member) == {}
    seniority = pipeline.party_seniority(member, D(2025, 1, 10))
    assert seniority.months == 240
    assert seniority.admitted_on == D(2000, 1, 10) and seniority.months_outside == 60
    assert seniority.outside == "5 năm 0 tháng"


def test_a_former_membership_never_made_official_does_not_count(cell):
    member = build(
        cell,
        **official(D(2015, 1, 10), resolution_date=D(2014, 12, 10), listed_on=D(2014, 1, 5)),
        **former(former_admission_date=D(2009, 1, 10), former_official_date=None, former_exit_date=D(2009, 9, 1)),
    )
    assert errors_of(member) == {}
    seniority = pipeline.party_seniority(member, D(2025, 1, 10))
    assert seniority.months == 120 and seniority.admitted_on == D(2015, 1, 10) and seniority.months_outside == 0
