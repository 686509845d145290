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
            full_name=f"Người Thử {n}",
            date_of_birth=overrides.get("date_of_birth", datetime.date(1995, 3, 15)),
            gender=overrides.get("gender", Gender.MALE),
            ethnicity=kinh,
            occupation=overrides.get("occupation", Occupation.FARMER),
            cell=cell,
            **admitted_fields(decision_date),
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
            full_name=f"Người Thử {n}",
            date_of_birth=datetime.date(1990, 6, 1),
            gender=Gender.MALE,
            ethnicity=kinh,
            occupation=Occupation.WORKER,
            cell=cell,
            **admitted_fields(day),
        )
        person.refresh_derived()
        people.append(person)
    Candidate.objects.bulk_create(people, batch_size=2000)
    return people


class _TableParser:
    """Rows of the <tr data-*> rows of one table (by data-testid), as lists of cell texts."""

    def __init__(self, testid, row_attribute):
        from html.parser import HTMLParser

        outer = self

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if tag == "table":
                    outer.depth += 1 if outer.depth else (1 if attrs.get("data-testid") == testid else 0)
                elif outer.depth and tag == "tr" and row_attribute in attrs:
                    outer.row = [attrs[row_attribute]]
                elif outer.row is not None and tag in ("td", "th"):
                    outer.cell = []

            def handle_endtag(self, tag):
                if tag == "table" and outer.depth:
                    outer.depth -= 1
                elif tag in ("td", "th") and outer.cell is not None and outer.row is not None:
                    outer.row.append(" ".join("".join(outer.cell).split()))
                    outer.cell = None
                elif tag == "tr" and outer.row is not None:
                    outer.rows.append(outer.row)
                    outer.row = None

            def handle_data(self, data):
                if outer.cell is not None:
                    outer.cell.append(data)

        self.parser = Parser()
        self.depth, self.row, self.cell, self.rows = 0, None, None, []

    def parse(self, html):
        self.parser.feed(html)
        return self.rows


def table_rows(html, testid, row_attribute):
    """[[row id, cell text, ...], ...] for the rows carrying `row_attribute` in the table `testid`."""
    return _TableParser(testid, row_attribute).parse(html)


def sheet_rows(worksheet, header_row=4):
    """The data rows under the header, as tuples of values."""
    return [
        row
        for row in worksheet.iter_rows(min_row=header_row + 1, values_only=True)
        if any(value is not None for value in row)
    ]
