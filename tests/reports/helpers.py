"""Building admissions in bulk for report tests: the seed articles need thousands of people."""
import datetime
import itertools

from recruitment.models import Candidate, Ethnicity, Gender, Occupation
from tests.factories import admitted_fields

_numbers = itertools.count(1)


def admit(cell, count, decision_date, **overrides):
    """`count` complete admissions in `cell` decided on `decision_date`, inserted in one statement.

    Bulk insert bypasses full_clean(): the fields are those of tests.factories.admitted_fields, which
    the rules accept (CandidateFactory checks one such record in test_helpers_make_valid_records).
    """
    kinh = overrides.pop("ethnicity", None) or Ethnicity.objects.get(name="Kinh")
    people = []
    for _ in range(count):
        n = next(_numbers)
        person = Candidate(
            full_name=f"Người Thử {n}", date_of_birth=overrides.get("date_of_birth", datetime.date(1995, 3, 15)),
            gender=overrides.get("gender", Gender.MALE), ethnicity=kinh,
            occupation=overrides.get("occupation", Occupation.FARMER), cell=cell,
            **{k: v for k, v in admitted_fields(decision_date).items()},
            **{k: v for k, v in overrides.items() if k not in ("date_of_birth", "gender", "occupation")},
        )
        person.refresh_derived()
        people.append(person)
    Candidate.objects.bulk_create(people, batch_size=2000)
    return people


def spread_admissions(cell, count, start, end):
    """`count` admissions spread evenly over the days from `start` to `end` (bulk, one statement)."""
    days = (end - start).days + 1
    kinh = Ethnicity.objects.get(name="Kinh")
    people = []
    for index in range(count):
        day = start + datetime.timedelta(days=(index * days) // count)
        n = next(_numbers)
        person = Candidate(
            full_name=f"Người Thử {n}", date_of_birth=datetime.date(1990, 6, 1), gender=Gender.MALE,
            ethnicity=kinh, occupation=Occupation.WORKER, cell=cell, **admitted_fields(day),
        )
        person.refresh_derived()
        people.append(person)
    Candidate.objects.bulk_create(people, batch_size=2000)
    return people
