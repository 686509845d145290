"""The write stage: versions through units.audit.bulk_update_versioned, and the people's fast path
writing the same rows as Candidate.save() through services.candidate_save_record."""

import pytest
from django.db import transaction
from django.db.models import DateTimeField

from recruitment import services as recruitment_services
from recruitment.importing import import_workbook, write
from recruitment.models import Candidate, Gender
from tests.factories import CandidateFactory
from units import services as unit_services
from units.audit import StaleEdit, bulk_update_versioned
from units.models import Target

from .conftest import admitted_person, person

pytestmark = pytest.mark.django_db


def _history(obj, *fields):
    return [
        (row.history_type, row.version, *(getattr(row, name) for name in fields))
        for row in type(obj).history.filter(id=obj.pk).order_by("history_id")
    ]


def test_a_bulk_updated_target_ends_as_one_saved_through_save(tree, users):
    saved = unit_services.target_set(unit=tree.org_a, admissions=5, year=2025, actor=users.staff_a)
    bulked = unit_services.target_set(unit=tree.cell_a1, admissions=5, year=2025, actor=users.staff_a)
    unit_services.target_set(unit=tree.org_a, admissions=6, year=2025, actor=users.staff_a, expected_version=1)
    bulked = Target.objects.get(pk=bulked.pk)
    bulked.admissions = 6
    bulk_update_versioned(Target, [bulked], ["admissions"], default_user=users.staff_a, default_change_reason="Nhập")
    assert bulked.version == 2
    for target in (saved, bulked):
        assert Target.objects.values_list("version", "admissions").get(pk=target.pk) == (2, 6)
        assert _history(target, "admissions", "history_user") == [
            ("+", 1, 5, users.staff_a),
            ("~", 2, 6, users.staff_a),
        ]
    assert Target.history.get(id=bulked.pk, version=2).history_change_reason == "Nhập"
    for unit in (tree.org_a, tree.cell_a1):  # a form opened on version 1 is refused, for both alike
        with pytest.raises(StaleEdit):
            unit_services.target_set(unit=unit, admissions=9, year=2025, actor=users.staff_a, expected_version=1)
    assert list(Target.objects.values_list("admissions", flat=True)) == [6, 6]


def test_a_bulk_updated_candidate_ends_as_one_saved_through_save(tree, users):
    saved, bulked = CandidateFactory(cell=tree.cell_a1), CandidateFactory(cell=tree.cell_a2)
    recruitment_services.candidate_update_profile(
        actor=users.staff_a,
        candidate=Candidate.objects.get(pk=saved.pk),
        expected_version=1,
        professional_education="university",
    )
    bulked = Candidate.objects.get(pk=bulked.pk)
    bulked.professional_education = "university"
    bulk_update_versioned(Candidate, [bulked], ["professional_education"])
    for candidate in (saved, bulked):
        assert Candidate.objects.values_list("version", "professional_education").get(pk=candidate.pk) == (
            2,
            "university",
        )
        assert _history(candidate, "professional_education") == [("+", 1, ""), ("~", 2, "university")]
        with pytest.raises(StaleEdit):
            recruitment_services.candidate_update_profile(
                actor=users.staff_a,
                candidate=Candidate.objects.get(pk=candidate.pk),
                expected_version=1,
                gender=Gender.FEMALE,
            )


def _save_one_by_one(new, changed, fields, *, default_user=None, default_change_reason=None):
    """The slow path: each person through services.candidate_save_record, i.e. full_clean() and save()."""
    for candidate in (*new, *changed):
        candidate._change_reason = default_change_reason
        recruitment_services.candidate_save_record(actor=default_user, candidate=candidate)


# Neither timestamps nor ids are compared: the two runs differ in when they ran and, on PostgreSQL,
# in the ids the sequences hand out (they are not rolled back).
_SKIPPED = {"id", "history_id"}


def _people(before=None):
    """{(name, date of birth): (its row, its history rows, whether updated_at moved since `before`)}."""
    names = [f.attname for f in Candidate._meta.concrete_fields if not isinstance(f, DateTimeField)]
    names = [name for name in names if name not in _SKIPPED]
    history = [f.attname for f in Candidate.history.model._meta.concrete_fields if not isinstance(f, DateTimeField)]
    history = [name for name in history if name not in _SKIPPED]
    people = {}
    for candidate in Candidate.objects.all():
        key = (candidate.full_name, candidate.date_of_birth)
        rows = Candidate.history.filter(id=candidate.pk).order_by("history_id").values_list(*history)
        moved = before is not None and before.get(candidate.pk) != candidate.updated_at
        people[key] = ([getattr(candidate, name) for name in names], list(rows), moved)
    return people


def _import_twice(workbook, users, books):
    stamps = None
    for book in books:
        result = import_workbook(workbook(book), actor=users.staff_a, change_reason="Nhập thử")
        assert result.written, [str(error) for error in result.errors]
        after = _people(stamps)
        stamps = dict(Candidate.objects.values_list("pk", "updated_at"))
    return result.counts, after


def test_the_fast_path_writes_what_candidate_save_record_writes(tree, users, workbook, monkeypatch):
    first = {
        "Quần chúng": [
            person(**{"Số CCCD": "001095001234", "Tôn giáo": "Không"}),
            person("A1-2", "Trần Thị Cúc", "02/02/2000", "Nữ"),
            admitted_person(),
            person(
                name="Lê Văn Đức",
                **{"Ngày cấp giấy chứng nhận bồi dưỡng": "20/05/2022", "Số giấy chứng nhận bồi dưỡng": "7-GCN"},
            ),
        ]
    }
    second = {
        "Quần chúng": [
            person(name="Nguyễn Văn  An Bình", **{"Số CCCD": "001095001234", "Dân tộc": "Thái"}),  # by citizen ID
            person("A1-2", "Trần Thị Cúc", "02/02/2000", "Nữ", **{"Số CCCD": "034099000111"}),  # by cell, name, birth
            admitted_person(),  # unchanged: not rewritten, no history row
            person(name="Lê Văn Đức", **{"Ngày vào danh sách quần chúng ưu tú": "01/03/2022"}),
            person("A1-2", "Phạm Văn Em", "03/03/1993"),
        ]
    }
    with transaction.atomic():
        fast_counts, fast = _import_twice(workbook, users, (first, second))
        transaction.set_rollback(True)
    assert not Candidate.objects.exists()
    monkeypatch.setattr(write, "save_candidates", _save_one_by_one)
    slow_counts, slow = _import_twice(workbook, users, (first, second))

    assert fast_counts == slow_counts
    assert (slow_counts["people_created"], slow_counts["people_updated"], slow_counts["people_unchanged"]) == (1, 3, 1)
    assert fast.keys() == slow.keys()
    for key in slow:  # field by field: search keys, versions, who, history rows, updated_at refreshed or not
        assert fast[key] == slow[key], key
    assert {name: (len(rows), moved) for (name, _birth), (_row, rows, moved) in slow.items()} == {
        "Nguyễn Văn An Bình": (2, True),
        "Trần Thị Cúc": (2, True),
        "Lò Thị Bình": (1, False),
        "Lê Văn Đức": (2, True),
        "Phạm Văn Em": (1, True),
    }
    an = Candidate.objects.get(citizen_id="001095001234")
    assert (an.search_name, an.version) == ("nguyen van an binh", 2)


def test_people_changed_by_an_import_refuse_a_form_opened_before_it(tree, users, workbook):
    import_workbook(workbook({"Quần chúng": [person(**{"Số CCCD": "001095001234"})]}))
    opened = Candidate.objects.get()
    result = import_workbook(workbook({"Quần chúng": [person(**{"Số CCCD": "001095001234", "Dân tộc": "Thái"})]}))
    assert result.counts == {"people_updated": 1}
    assert Candidate.objects.get().version == opened.version + 1
    with pytest.raises(StaleEdit):
        recruitment_services.candidate_update_profile(
            actor=users.staff_a, candidate=opened, expected_version=opened.version, professional_education="university"
        )
