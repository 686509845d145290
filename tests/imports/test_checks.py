"""Checks the import makes without a query per row: a move between cells under the closed-quarter
rule (the cell left is one the import has already loaded)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recruitment.importing import import_workbook
from recruitment.models import Candidate
from tests.factories import CandidateFactory, admitted_fields
from units import services

pytestmark = pytest.mark.django_db
DECIDED = datetime.date(2025, 3, 3)  # quý I/2025


def _admitted(n, cell):
    return [
        CandidateFactory(
            cell=cell,
            full_name=f"Người {i}",
            date_of_birth=datetime.date(1990, 1, 1),
            citizen_id=f"0010900{i:05d}",
            **admitted_fields(DECIDED),
        )
        for i in range(n)
    ]


def test_moving_an_admission_out_of_a_closed_quarter_is_refused(tree, users, workbook):
    _admitted(1, tree.cell_a1)
    services.quarter_close(actor=users.province_staff, unit=tree.org_a, year=2025, quarter=1)
    headers = ["Mã chi bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]
    row = ("B1-1", "Người 0", "01/01/1990", "Nam", "001090000000")
    result = import_workbook(workbook({"Quần chúng": {"headers": headers, "rows": [row]}}))
    assert not result.ok
    assert any("đã khóa sổ" in error.message and error.row == 2 for error in result.errors)
    assert Candidate.objects.get().cell == tree.cell_a1


def test_moves_cost_no_query_per_person(tree, workbook):
    def queries(rows):
        with CaptureQueriesContext(connection) as captured:
            result = import_workbook(workbook({"Quần chúng": rows}), dry_run=True)
        assert result.ok, [str(error) for error in result.errors]
        assert result.counts["people_updated"] == len(rows["rows"])
        # INSERT statements come in batches (SQLite takes at most 999 parameters each): not counted
        return sum(1 for query in captured.captured_queries if not query["sql"].lstrip().startswith("INSERT"))

    _admitted(30, tree.cell_a1)
    headers = ["Mã chi bộ", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]
    few = [("A1-2", f"Người {i}", "01/01/1990", "Nam", f"0010900{i:05d}") for i in range(3)]
    many = [("A1-2", f"Người {i}", "01/01/1990", "Nam", f"0010900{i:05d}") for i in range(30)]
    assert queries({"headers": headers, "rows": many}) == queries({"headers": headers, "rows": few})
