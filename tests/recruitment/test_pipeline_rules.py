"""Every rule of the pipeline, accepted and refused, through Candidate.full_clean (what every way in uses)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from recruitment import pipeline
from recruitment.models import Candidate, Ethnicity
from recruitment.pipeline import ExitReason, IntroducingOrganisation, Stage
from tests.factories import CandidateFactory, admitted_fields

D = datetime.date


def build(cell, **fields):
    values = {
        "full_name": "Trần Văn Kiểm",
        "date_of_birth": D(1995, 3, 15),
        "gender": "male",
        "ethnicity": Ethnicity.objects.get(name="Kinh"),
        "occupation": "farmer",
        "cell": cell,
        "listed_on": D(2023, 1, 10),
    }
    values.update(fields)
    return Candidate(**values)


def errors_of(candidate):
    try:
        candidate.full_clean()
    except ValidationError as refused:
        return refused.message_dict
    return {}


@pytest.fixture
def cell(tree):
    return tree.cell_a1


# --- age: 18 to 60 in whole months on the cell-resolution date ---------------------------------


@pytest.mark.parametrize(
    "dob, resolution, accepted",
    [
        (D(2005, 6, 10), D(2023, 6, 10), True),  # exactly 18 years
        (D(2005, 6, 11), D(2023, 6, 10), False),  # one day short: 17 years 11 months
        (D(1963, 6, 10), D(2023, 6, 10), True),  # exactly 60 years
        (D(1963, 5, 9), D(2023, 6, 10), False),  # 60 years 1 month: over 60
    ],
)
def test_age_on_the_resolution_date(cell, dob, resolution, accepted):
    fields = admitted_fields(
        resolution + datetime.timedelta(days=20),
        resolution_date=resolution,
        listed_on=resolution - datetime.timedelta(days=200),
        course_date=resolution - datetime.timedelta(days=100),
        application_date=resolution - datetime.timedelta(days=50),
    )
    errors = errors_of(build(cell, date_of_birth=dob, **fields))
    if accepted:
        assert errors == {}
    else:
        messages = " ".join(errors.get("resolution_date", []) + errors.get("age_exception", []))
        assert "18 tuổi" in messages or "60 tuổi" in messages


def test_over_60_is_accepted_with_a_recorded_exception(cell):
    resolution = D(2023, 6, 10)
    fields = admitted_fields(D(2023, 7, 1), resolution_date=resolution)
    candidate = build(cell, date_of_birth=D(1960, 1, 1), **fields)
    assert "age_exception" in errors_of(candidate)
    candidate.age_exception = "Văn bản 15-CV/TU ngày 02/05/2023"
    assert errors_of(candidate) == {}


def test_age_message_names_years_and_months(cell):
    candidate = build(
        cell, date_of_birth=D(2005, 8, 20), **admitted_fields(D(2023, 7, 1), resolution_date=D(2023, 6, 10))
    )
    assert "17 tuổi 9 tháng" in " ".join(errors_of(candidate)["resolution_date"])


# --- the awareness certificate is valid 60 months -------------------------------------------------


def test_certificate_exactly_60_months_old_is_valid(cell):
    fields = admitted_fields(
        D(2023, 7, 1), listed_on=D(2018, 1, 1), course_date=D(2018, 6, 10), resolution_date=D(2023, 6, 10)
    )
    assert errors_of(build(cell, **fields)) == {}


def test_certificate_older_than_60_months_is_refused(cell):
    fields = admitted_fields(
        D(2023, 7, 1), listed_on=D(2018, 1, 1), course_date=D(2018, 6, 9), resolution_date=D(2023, 6, 10)
    )
    assert "60 tháng" in " ".join(errors_of(build(cell, **fields))["course_date"])


# --- introducers ----------------------------------------------------------------------------------


def test_two_full_members_introduce(cell):
    assert errors_of(build(cell, **admitted_fields(D(2023, 7, 1)))) == {}


@pytest.mark.parametrize("organisation", [IntroducingOrganisation.YOUTH_UNION, IntroducingOrganisation.TRADE_UNION])
def test_a_union_committee_and_one_member_introduce_a_member_of_it(cell, organisation):
    fields = admitted_fields(D(2023, 7, 1), introducing_organisation=organisation, introducer_2="")
    assert errors_of(build(cell, youth_union_member=True, **fields)) == {}


def test_the_youth_union_introduces_only_its_members(cell):
    fields = admitted_fields(
        D(2023, 7, 1), introducing_organisation=IntroducingOrganisation.YOUTH_UNION, introducer_2=""
    )
    assert "introducing_organisation" in errors_of(build(cell, youth_union_member=False, **fields))


def test_a_union_committee_takes_one_member_not_two(cell):
    fields = admitted_fields(D(2023, 7, 1), introducing_organisation=IntroducingOrganisation.TRADE_UNION)
    assert "introducer_2" in errors_of(build(cell, **fields))


def test_the_two_introducers_are_two_people(cell):
    fields = admitted_fields(D(2023, 7, 1), introducer_2="  lê văn một ")
    assert "introducer_2" in errors_of(build(cell, **fields))


# --- dates in order and not in the future ---------------------------------------------------------

ORDER_CASES = [
    ("course_date", "listed_on", {"course_date": D(2022, 1, 1), "listed_on": D(2022, 2, 1)}),
    ("resolution_date", "course_date", {"resolution_date": D(2023, 1, 1), "course_date": D(2023, 2, 1)}),
    ("decision_date", "resolution_date", {"decision_date": D(2023, 3, 1), "resolution_date": D(2023, 3, 2)}),
    ("ceremony_date", "decision_date", {"ceremony_date": D(2023, 5, 1)}),
    ("recognition_date", "ceremony_date", {"ceremony_date": D(2023, 6, 1), "recognition_date": D(2023, 5, 30)}),
]


@pytest.mark.parametrize("late_field, early_field, overrides", ORDER_CASES)
def test_steps_are_dated_in_order(cell, late_field, early_field, overrides):
    fields = admitted_fields(D(2023, 6, 1))
    fields.update(
        listed_on=D(2021, 1, 1),
        course_date=D(2022, 6, 1),
        application_date=D(2023, 2, 1),
        resolution_date=D(2023, 5, 1),
    )
    fields.update(overrides)
    errors = errors_of(build(cell, **fields))
    assert late_field in errors
    with translation.override("vi"):
        label = Candidate._meta.get_field(early_field).verbose_name
        assert any(str(label) in message for message in errors[late_field])


def test_dates_in_order_are_accepted(cell):
    fields = admitted_fields(
        D(2023, 6, 1),
        ceremony_date=D(2023, 6, 20),
        new_member_course_date=D(2023, 9, 1),
        recognition_no="9-QĐ/CN",
        recognition_date=D(2024, 6, 20),
    )
    assert errors_of(build(cell, **fields)) == {}


def test_no_step_in_the_future(cell):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    errors = errors_of(build(cell, listed_on=tomorrow))
    assert "tương lai" in " ".join(errors["listed_on"])


def test_no_step_before_birth(cell):
    errors = errors_of(build(cell, date_of_birth=D(1995, 3, 15), listed_on=D(1995, 3, 1)))
    assert "sau ngày sinh" in " ".join(errors["listed_on"])


# --- probation: 12 months, counted from the ceremony ------------------------------------------


def test_recognition_after_exactly_12_months(cell):
    fields = admitted_fields(
        D(2023, 6, 1),
        ceremony_date=D(2023, 6, 20),
        new_member_course_date=D(2023, 9, 1),
        recognition_no="9-QĐ/CN",
        recognition_date=D(2024, 6, 20),
    )
    assert errors_of(build(cell, **fields)) == {}


def test_recognition_before_12_months_is_refused(cell):
    fields = admitted_fields(
        D(2023, 6, 1),
        ceremony_date=D(2023, 6, 20),
        new_member_course_date=D(2023, 9, 1),
        recognition_no="9-QĐ/CN",
        recognition_date=D(2024, 6, 19),
    )
    message = " ".join(errors_of(build(cell, **fields))["recognition_date"])
    assert "12 tháng" in message and "20/06/2024" in message


def test_recognised_from_is_the_end_of_the_12_months_even_when_decided_late(cell):
    fields = admitted_fields(
        D(2023, 6, 1),
        ceremony_date=D(2023, 6, 20),
        new_member_course_date=D(2023, 9, 1),
        recognition_no="9-QĐ/CN",
        recognition_date=D(2024, 11, 5),
    )
    candidate = build(cell, **fields)
    assert errors_of(candidate) == {}
    assert candidate.official_from == D(2024, 6, 20)


# --- historic records: accepted, flagged incomplete ---------------------------------------------


def test_a_historic_admission_with_an_incomplete_file_is_accepted_and_flagged(cell):
    candidate = CandidateFactory(
        cell=cell,
        listed_on=None,
        decision_no="5-QĐ/HU",
        decision_date=D(2019, 4, 2),
        decision_issuer="Huyện ủy",
        ceremony_date=D(2019, 4, 20),
    )
    assert candidate.is_incomplete
    assert [step.kind for step in candidate.missing_steps] == ["listing", "course", "file", "resolution"]
    assert candidate.stage == Stage.PROBATIONARY
    assert list(Candidate.objects.incomplete()) == [candidate]


def test_a_complete_file_is_not_flagged(cell):
    candidate = CandidateFactory(cell=cell, general_education="12/12", **admitted_fields(D(2023, 6, 1)))
    assert not candidate.is_incomplete
    assert not Candidate.objects.incomplete().exists()


def test_incomplete_in_sql_matches_python_on_many_shapes(cell):
    shapes = [
        {},
        {"course_date": D(2024, 2, 1), "course_certificate_no": "1"},
        admitted_fields(D(2023, 6, 1)),
        admitted_fields(D(2023, 6, 1), introducer_2=""),
        admitted_fields(D(2023, 6, 1), resolution_date=None),
        {"listed_on": None, "ceremony_date": None, **admitted_fields(D(2022, 1, 5), course_date=None)},
    ]
    for shape in shapes:
        CandidateFactory(cell=cell, general_education="12/12", **shape)
    # A blank general education flags a record only once the cell has considered the case.
    CandidateFactory(cell=cell, **admitted_fields(D(2023, 6, 1)))
    CandidateFactory(cell=cell, **admitted_fields(D(2023, 6, 1), resolution_date=None))
    CandidateFactory(cell=cell, course_date=D(2024, 2, 1), course_certificate_no="1")
    sql = set(Candidate.objects.incomplete().values_list("pk", flat=True))
    python = {c.pk for c in Candidate.objects.all() if c.is_incomplete}
    assert sql == python and len(python) == 5


# --- stage ----------------------------------------------------------------------------------


def test_stage_in_sql_matches_python(cell):
    made = [
        CandidateFactory(cell=cell),
        CandidateFactory(cell=cell, course_date=D(2024, 2, 1), course_certificate_no="1"),
        CandidateFactory(
            cell=cell, **admitted_fields(D(2024, 6, 1), decision_date=None, decision_no="", decision_issuer="")
        ),
        CandidateFactory(cell=cell, **admitted_fields(D(2024, 6, 1))),
        CandidateFactory(cell=cell, **admitted_fields(D(2023, 6, 1), ceremony_date=D(2023, 6, 5))),
        CandidateFactory(
            cell=cell,
            **admitted_fields(
                D(2023, 6, 1),
                ceremony_date=D(2023, 6, 5),
                new_member_course_date=D(2023, 8, 1),
                recognition_no="1",
                recognition_date=D(2024, 6, 5),
            ),
        ),
        CandidateFactory(cell=cell, exit_date=D(2024, 3, 1), exit_reason=ExitReason.WITHDREW),
        CandidateFactory(
            cell=cell,
            listed_on=D(2023, 1, 2),
            course_date=D(2024, 2, 1),
            course_certificate_no="1",
            application_date=D(2024, 3, 1),
            introducer_1="Lê Văn Một",
            introducer_2="Lê Văn Hai",
        ),
    ]
    expected = [
        Stage.LISTED,
        Stage.TRAINED,
        Stage.RESOLVED,
        Stage.DECIDED,
        Stage.PROBATIONARY,
        Stage.OFFICIAL,
        Stage.EXITED,
        Stage.FILED,
    ]
    assert [c.stage for c in made] == expected
    annotated = dict(Candidate.objects.with_stage().values_list("pk", "current_stage"))
    assert [annotated[c.pk] for c in made] == expected
    assert set(Candidate.objects.at_stage(Stage.OFFICIAL, Stage.EXITED)) == {made[5], made[6]}
    # The per-stage conditions (counts, filters) agree with the derivation in Python and the CASE.
    from recruitment.selectors import stage_counts

    for stage in Stage:
        assert set(Candidate.objects.at_stage(stage)) == {c for c in made if c.stage == stage}, stage
    assert stage_counts(Candidate.objects.all()) == {stage.value: expected.count(stage) for stage in Stage}


# --- exits --------------------------------------------------------------------------------------


def test_struck_off_only_during_probation(cell):
    listed = build(cell, exit_date=D(2024, 1, 1), exit_reason=ExitReason.STRUCK_OFF)
    assert "exit_reason" in errors_of(listed)
    probationary = build(
        cell,
        exit_date=D(2023, 9, 1),
        exit_reason=ExitReason.STRUCK_OFF,
        **admitted_fields(D(2023, 6, 1), ceremony_date=D(2023, 6, 10)),
    )
    assert errors_of(probationary) == {}


def test_an_admitted_person_does_not_simply_withdraw(cell):
    admitted = build(cell, exit_date=D(2023, 9, 1), exit_reason=ExitReason.WITHDREW, **admitted_fields(D(2023, 6, 1)))
    assert "exit_reason" in errors_of(admitted)


def test_an_exit_needs_date_and_reason_and_comes_after_the_last_step(cell):
    assert "exit_reason" in errors_of(build(cell, exit_date=D(2024, 1, 1)))
    assert "exit_date" in errors_of(build(cell, exit_reason=ExitReason.MOVED_AWAY))
    assert "exit_date" in errors_of(
        build(cell, listed_on=D(2024, 2, 1), exit_date=D(2024, 1, 1), exit_reason=ExitReason.MOVED_AWAY)
    )


# --- identity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "citizen_id, accepted", [("001203004567", True), ("12345678901", False), ("00120300456a", False), ("", True)]
)
def test_citizen_id_is_12_digits_when_given(cell, citizen_id, accepted):
    assert ("citizen_id" not in errors_of(build(cell, citizen_id=citizen_id))) is accepted


def test_citizen_id_keeps_its_leading_zero_and_is_unique(cell):
    first = CandidateFactory(cell=cell, citizen_id="001203004567")
    first.refresh_from_db()
    assert first.citizen_id == "001203004567"
    assert "citizen_id" in errors_of(build(cell, citizen_id="001203004567"))
    CandidateFactory(cell=cell, citizen_id="")
    CandidateFactory(cell=cell, citizen_id=None)  # blanks are not duplicates
    assert Candidate.objects.filter(citizen_id__isnull=True).count() == 2


def test_a_candidate_belongs_to_a_cell(tree):
    assert "cell" in errors_of(build(tree.org_a))
    assert errors_of(build(tree.enterprise)) == {}  # a grassroots cell holds members itself


def test_ethnicity_matching_ignores_case_spaces_and_hyphens(db):
    khmu = Ethnicity.objects.get(name="Khơ-mú")
    for typed in ("Khơ Mú", "khơ-mú", "KHƠMÚ", " kho mu "):
        assert Ethnicity.objects.matching(typed) == khmu
    assert Ethnicity.objects.count() == 54
    assert Ethnicity.objects.filter(is_minority=False).get().name == "Kinh"


# --- deadlines ------------------------------------------------------------------------------


def test_deadlines_count_working_days(cell):
    candidate = build(
        cell,
        **admitted_fields(
            D(2026, 1, 30), decision_date=None, decision_no="", decision_issuer="", resolution_date=D(2026, 1, 30)
        ),
    )
    due = pipeline.deadlines(candidate)
    # 60 working days after Friday 30/01/2026, skipping weekends, Tết (16-20/02), Hùng Kings (observed 27/04),
    # 30/04 and 01/05: counted by hand.
    assert due[pipeline.StepKind.DECISION] == D(2026, 5, 6)


def test_ceremony_and_recognition_deadlines(cell):
    candidate = build(cell, **admitted_fields(D(2025, 12, 1), ceremony_date=None))
    assert pipeline.deadlines(candidate)[pipeline.StepKind.CEREMONY] == D(2026, 1, 13)  # 30 working days, 01/01 off
    candidate.ceremony_date = D(2025, 12, 20)
    due = pipeline.deadlines(candidate)
    assert candidate.official_from == D(2026, 12, 20)
    assert due[pipeline.StepKind.RECOGNITION] == D(2027, 2, 1)


def test_the_last_day_of_the_calendar_is_refused_as_future_not_a_server_error(cell):
    # Found by the property tests: 31/12/9999 + 12 months of probation does not exist.
    candidate = build(
        cell, **admitted_fields(D(2024, 6, 1)), ceremony_date=D(9999, 12, 31), recognition_date=D(9999, 12, 31)
    )
    with pytest.raises(ValidationError) as refused:
        candidate.full_clean()
    assert "ceremony_date" in refused.value.message_dict
