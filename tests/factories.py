"""Factories for tests. Units go through units.services so the tree stays valid."""

import datetime
import itertools

import factory

from recruitment.models import Candidate, Ethnicity, Gender, Occupation
from units import services
from units.models import GrassrootsType, Role, UnitKind, User

_codes = itertools.count(1)


def make_unit(parent=None, kind=None, *, code=None, name=None, grassroots_type=None):
    """A unit under `parent`; the kind defaults to what usually stands below the parent."""
    if kind is None:
        kind = {
            None: UnitKind.PROVINCE,
            UnitKind.PROVINCE: UnitKind.COMMITTEE,
            UnitKind.COMMITTEE: UnitKind.GRASSROOTS_COMMITTEE,
            UnitKind.GRASSROOTS_COMMITTEE: UnitKind.CELL,
            UnitKind.PARTIAL_COMMITTEE: UnitKind.CELL,
        }[parent.kind if parent else None]
    if grassroots_type is None:
        grassroots_type = (
            GrassrootsType.COMMUNE if kind in (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL) else ""
        )
    number = next(_codes)
    return services.unit_create(
        code=code or f"U{number:05d}",
        name=name or f"Đơn vị {number}",
        kind=kind,
        parent=parent,
        grassroots_type=grassroots_type,
    )


def make_user(unit, role=Role.STAFF, username=None, password="pw-for-tests-1"):
    user = User(username=username or f"user{next(_codes)}", unit=unit, role=role)
    user.set_password(password)
    user.save()
    return user


class CandidateFactory(factory.django.DjangoModelFactory):
    """A listed outstanding person, 25 years old. Pass step dates to place them further on."""

    class Meta:
        model = Candidate

    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    date_of_birth = datetime.date(1995, 3, 15)
    gender = Gender.MALE
    ethnicity = factory.LazyFunction(lambda: Ethnicity.objects.get(name="Kinh"))
    occupation = Occupation.FARMER
    listed_on = datetime.date(2024, 1, 10)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through full_clean, so a test never builds a record the rules would refuse.
        candidate = model_class(*args, **kwargs)
        candidate.full_clean()
        candidate.save()
        return candidate


def admitted_fields(day, **overrides):
    """Field values of a complete file admitted (decision) on `day`; override any of them."""
    decision_date = day
    fields = {
        "listed_on": decision_date - datetime.timedelta(days=300),
        "course_certificate_no": "12-GCN/TTCT",
        "course_date": decision_date - datetime.timedelta(days=200),
        "application_date": decision_date - datetime.timedelta(days=100),
        "introducer_1": "Lê Văn Một",
        "introducer_2": "Phạm Thị Hai",
        "resolution_date": decision_date - datetime.timedelta(days=30),
        "decision_no": "101-QĐ/HU",
        "decision_date": decision_date,
        "decision_issuer": "Ban Thường vụ Huyện ủy",
    }
    fields.update(overrides)
    return fields
