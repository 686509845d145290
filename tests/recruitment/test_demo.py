import datetime

from django.core.management import call_command

from recruitment import pipeline
from recruitment.models import Candidate
from units.models import Placement, ReorgEvent, ReorgKind, Role, Target, Unit, UnitKind, User

AS_OF = datetime.date(2026, 11, 20)


def test_seed_demo_builds_a_province_of_realistic_shape(db, client):
    call_command("seed_demo", "--seed", "7", "--as-of", AS_OF.isoformat(), "--password", "thu-demo-1")
    # The province as it stood before the 1 July 2025 reorganisation (units.tree: the dated tree).
    old_tree = Placement.objects.as_of(datetime.date(2024, 12, 31)).filter(folded=False)
    kinds = {kind: old_tree.filter(unit__kind=kind).count() for kind in UnitKind.values}
    assert kinds[UnitKind.PROVINCE] == 1
    assert kinds[UnitKind.COMMITTEE] == 10
    assert 140 <= kinds[UnitKind.GRASSROOTS_COMMITTEE] + kinds[UnitKind.GRASSROOTS_CELL] <= 160
    assert 550 <= kinds[UnitKind.CELL] + kinds[UnitKind.GRASSROOTS_CELL] <= 700
    assert kinds[UnitKind.PARTIAL_COMMITTEE] == 2
    stages = set(Candidate.objects.with_stage().values_list("current_stage", flat=True))
    assert stages == set(pipeline.Stage.values)
    assert Candidate.objects.incomplete().exists()
    # Everyone has a general education of lower secondary at least (12/12 or 9/12): the Charter's rule holds.
    assert set(Candidate.objects.values_list("general_education", flat=True)) <= {"12/12", "9/12"}
    admitted = Candidate.objects.filter(decision_date__isnull=False)
    assert 0.3 < admitted.filter(gender="female").count() / admitted.count() < 0.5
    assert Target.objects.filter(term__isnull=False).exists()
    # Every generated record obeys the rules (a sample through full_clean, queries and all).
    for person in Candidate.objects.order_by("?")[:60]:
        assert pipeline.check(person, today=AS_OF) == {}
    # ... and after it: the seven district committees ended, communes consolidated under the province.
    assert Unit.objects.active().filter(kind=UnitKind.COMMITTEE).count() == 3
    assert Unit.objects.filter(kind=UnitKind.COMMITTEE, ended_on=datetime.date(2025, 7, 1)).count() == 7
    province = Unit.objects.get(kind=UnitKind.PROVINCE)
    assert (
        Unit.objects.children_of(province)
        .filter(kind=UnitKind.GRASSROOTS_COMMITTEE, grassroots_type="commune")
        .exists()
    )
    assert ReorgEvent.objects.filter(kind=ReorgKind.CONSOLIDATE).count() >= 14
    assert Placement.objects.current().filter(folded=False).count() == Unit.objects.active().count()
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "tochuc": Role.STAFF,
        "tochuc_huyen": Role.STAFF,
        "lanhdao": Role.LEADERSHIP,
        "bithu": Role.SECRETARY,
        "admin": "",
    }
    bithu = User.objects.get(username="bithu")
    assert bithu.unit.is_cell and Candidate.objects.restrict(bithu).exists()
    for username in roles:
        assert client.login(username=username, password="thu-demo-1")
        assert client.get("/").status_code == 200


def test_seed_demo_is_deterministic_for_a_seed(db):
    def snapshot():
        return list(
            Candidate.objects.order_by("citizen_id", "full_name", "date_of_birth").values_list(
                "full_name", "date_of_birth", "decision_date", "cell__code"
            )[:300]
        )

    call_command("seed_demo", "--seed", "3", "--as-of", AS_OF.isoformat())
    first = snapshot()
    call_command("seed_demo", "--seed", "3", "--as-of", AS_OF.isoformat(), "--reset")
    assert snapshot() == first
    call_command("seed_demo", "--seed", "4", "--as-of", AS_OF.isoformat(), "--reset")
    assert snapshot() != first


def test_seed_demo_refuses_to_overwrite_without_reset(db):
    import pytest
    from django.core.management.base import CommandError

    call_command("seed_demo", "--as-of", AS_OF.isoformat())
    with pytest.raises(CommandError):
        call_command("seed_demo", "--as-of", AS_OF.isoformat())
    call_command("seed_demo", "--if-empty")  # the demo command: leaves existing data alone
