import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from recruitment import services
from recruitment.models import Candidate, Ethnicity
from recruitment.pipeline import ExitReason, IntroducingOrganisation, Stage, StepKind

D = datetime.date


def profile():
    return {
        "full_name": "Hoàng Thị Mai",
        "date_of_birth": D(1998, 4, 2),
        "gender": "female",
        "ethnicity": Ethnicity.objects.get(name="Thái"),
        "occupation": "farmer",
        "general_education": "12/12",
        "youth_union_member": True,
    }


def test_staff_take_a_person_from_listing_to_official_recognition(tree, users):
    staff = users.staff_a
    person = services.candidate_create(actor=staff, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    assert person.stage == Stage.LISTED and person.created_by == staff
    services.step_record(
        actor=staff, candidate=person, kind=StepKind.COURSE, course_certificate_no="15-GCN", course_date=D(2023, 3, 1)
    )
    services.step_record(
        actor=staff,
        candidate=person,
        kind=StepKind.FILE,
        application_date=D(2023, 4, 1),
        introducing_organisation=IntroducingOrganisation.YOUTH_UNION,
        introducer_1="Lò Văn Một",
    )
    services.step_record(actor=staff, candidate=person, kind=StepKind.RESOLUTION, resolution_date=D(2023, 5, 2))
    services.step_record(
        actor=staff,
        candidate=person,
        kind=StepKind.DECISION,
        decision_no="88-QĐ/HU",
        decision_date=D(2023, 6, 1),
        decision_issuer="Ban Thường vụ Huyện ủy",
    )
    services.step_record(actor=staff, candidate=person, kind=StepKind.CEREMONY, ceremony_date=D(2023, 6, 15))
    assert person.stage == Stage.PROBATIONARY
    kinds = [step.kind for step in person.next_steps()]
    assert StepKind.RECOGNITION not in kinds  # the new-member course comes first
    services.step_record(
        actor=staff, candidate=person, kind=StepKind.NEW_MEMBER_COURSE, new_member_course_date=D(2023, 9, 9)
    )
    services.step_record(
        actor=staff,
        candidate=person,
        kind=StepKind.RECOGNITION,
        recognition_no="7-QĐ/CN",
        recognition_date=D(2024, 6, 20),
    )
    person.refresh_from_db()
    assert person.stage == Stage.OFFICIAL and not person.is_incomplete
    assert person.next_steps() == []


def test_a_step_out_of_order_is_refused_and_nothing_is_written(tree, users):
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    with pytest.raises(ValidationError) as refused:
        services.step_record(
            actor=users.staff_a,
            candidate=person,
            kind=StepKind.DECISION,
            decision_no="1",
            decision_date=D(2023, 6, 1),
            decision_issuer="Huyện ủy",
        )
    assert "bước trước" in " ".join(refused.value.messages)
    assert Candidate.objects.get().decision_date is None


def test_a_step_needs_its_required_fields(tree, users):
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    with pytest.raises(ValidationError) as refused:
        services.step_record(actor=users.staff_a, candidate=person, kind=StepKind.COURSE, course_date=D(2023, 3, 1))
    assert "course_certificate_no" in refused.value.message_dict


def test_the_file_step_needs_two_introducers(tree, users):
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    services.step_record(
        actor=users.staff_a,
        candidate=person,
        kind=StepKind.COURSE,
        course_certificate_no="1",
        course_date=D(2023, 3, 1),
    )
    with pytest.raises(ValidationError) as refused:
        services.step_record(
            actor=users.staff_a,
            candidate=person,
            kind=StepKind.FILE,
            application_date=D(2023, 4, 1),
            introducer_1="Lò Văn Một",
        )
    assert "hai đảng viên" in " ".join(refused.value.message_dict["introducer_2"])
    assert Candidate.objects.get().application_date is None


def test_a_rule_violation_in_a_step_names_the_rule(tree, users):
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    with pytest.raises(ValidationError) as refused:
        services.step_record(
            actor=users.staff_a,
            candidate=person,
            kind=StepKind.COURSE,
            course_certificate_no="1",
            course_date=D(2022, 12, 1),
        )
    assert "course_date" in refused.value.message_dict


def test_secretary_lists_people_and_records_the_course_in_their_cell_only(tree, users):
    secretary = users.secretary_a1
    person = services.candidate_create(actor=secretary, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    services.step_record(
        actor=secretary, candidate=person, kind=StepKind.COURSE, course_certificate_no="1", course_date=D(2023, 3, 1)
    )
    with pytest.raises(PermissionDenied):
        services.step_record(
            actor=secretary,
            candidate=person,
            kind=StepKind.FILE,
            application_date=D(2023, 4, 1),
            introducer_1="A",
            introducer_2="B",
        )
    with pytest.raises(PermissionDenied):
        services.candidate_create(actor=secretary, cell=tree.cell_a2, listed_on=D(2023, 1, 5), **profile())


def test_leadership_reads_only(tree, users):
    with pytest.raises(PermissionDenied):
        services.candidate_create(actor=users.leader, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())


def test_staff_act_only_inside_their_subtree(tree, users):
    with pytest.raises(PermissionDenied):
        services.candidate_create(actor=users.staff_a, cell=tree.cell_b1, listed_on=D(2023, 1, 5), **profile())
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    with pytest.raises(PermissionDenied):
        services.candidate_update_profile(actor=users.staff_a, candidate=person, cell=tree.cell_b1)


def test_nothing_after_an_exit(tree, users):
    person = services.candidate_create(actor=users.staff_a, cell=tree.cell_a1, listed_on=D(2023, 1, 5), **profile())
    services.candidate_exit(
        actor=users.staff_a, candidate=person, exit_date=D(2023, 2, 1), exit_reason=ExitReason.MOVED_AWAY
    )
    assert person.stage == Stage.EXITED and person.next_steps() == []
    with pytest.raises(ValidationError):
        services.step_record(
            actor=users.staff_a,
            candidate=person,
            kind=StepKind.COURSE,
            course_certificate_no="1",
            course_date=D(2023, 3, 1),
        )


def test_a_historic_record_saves_whole_and_is_flagged(tree, users):
    person = Candidate(cell=tree.cell_a1, **profile())
    services.candidate_save_record(
        actor=users.province_staff,
        candidate=person,
        decision_no="3-QĐ/HU",
        decision_date=D(2018, 5, 5),
        decision_issuer="Huyện ủy",
        ceremony_date=D(2018, 5, 19),
        new_member_course_date=D(2018, 8, 1),
        recognition_no="1",
        recognition_date=D(2019, 5, 19),
    )
    person.refresh_from_db()
    assert person.stage == Stage.OFFICIAL and person.is_incomplete


def test_a_historic_record_still_obeys_the_rules(tree, users):
    person = Candidate(cell=tree.cell_a1, **profile())
    with pytest.raises(ValidationError) as refused:
        services.candidate_save_record(
            actor=users.province_staff,
            candidate=person,
            decision_no="3",
            decision_date=D(2018, 5, 5),
            ceremony_date=D(2018, 5, 19),
            recognition_date=D(2019, 1, 1),
        )
    assert "recognition_date" in refused.value.message_dict
    assert not Candidate.objects.exists()
    with pytest.raises(PermissionDenied):
        services.candidate_save_record(actor=users.secretary_a1, candidate=Candidate(cell=tree.cell_a1, **profile()))
