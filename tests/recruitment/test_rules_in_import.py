"""The same refusals for a spreadsheet row as in the pages: the import runs Candidate.clean(), so the
education rule and readmission need nothing of their own there.

The columns for the education exception and the former membership are being added to the people
sheet by another change: the row-level tests of them are skipped while a column is missing, and the
same cases also go through services.candidate_save_record, the import's own check of a whole record."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from recruitment import services
from recruitment.importing import import_workbook
from recruitment.importing.workbook import PEOPLE
from recruitment.models import Candidate, Ethnicity, FormerExit
from tests.factories import admitted_fields
from tests.imports.conftest import _imports_in_request, admitted_person, person, workbook  # noqa: F401

pytestmark = pytest.mark.django_db

D = datetime.date


def test_a_row_below_lower_secondary_is_refused_at_its_column(tree, workbook):  # noqa: F811
    path = workbook({"Quần chúng": [admitted_person(**{"Giáo dục phổ thông": "8/12"})]})
    result = import_workbook(path)
    assert not result.ok and not Candidate.objects.exists()
    [error] = [error for error in result.errors if error.column == "Giáo dục phổ thông"]
    assert error.value == "8/12" and "chưa tốt nghiệp trung học cơ sở" in error.message


def test_a_row_with_lower_secondary_or_a_blank_is_accepted(tree, workbook):  # noqa: F811
    rows = [
        admitted_person(**{"Giáo dục phổ thông": "7/10"}),
        admitted_person(name="Lò Văn Trống", citizen_id="012096004322"),  # blank: accepted, flagged
        person(name="Còn Học", **{"Giáo dục phổ thông": "6/12"}),  # not yet considered by the cell
    ]
    result = import_workbook(workbook({"Quần chúng": rows}))
    assert result.ok, [str(error) for error in result.errors]
    assert Candidate.objects.get(full_name="Lò Thị Bình").general_education == "7/10"
    blank = Candidate.objects.get(full_name="Lò Văn Trống")
    # The row has a course date without the certificate's number either: both are flagged, neither refused.
    assert blank.is_incomplete and [str(label) for label in blank.missing_details] == [
        "giáo dục phổ thông",
        "số giấy chứng nhận bồi dưỡng",
    ]
    assert Candidate.objects.incomplete().filter(pk=blank.pk).exists()


def _header(key):
    """The people sheet's header for a field, or a skip while that column is not in the sheet yet."""
    column = next((column for column in PEOPLE.columns if column.key == key), None)
    if column is None:
        pytest.skip(f"the people sheet has no column for {key} yet")
    return column.header


def test_a_row_below_lower_secondary_with_its_ground_is_accepted(tree, workbook):  # noqa: F811
    row = admitted_person(**{"Giáo dục phổ thông": "6/12", _header("education_exception"): "Xã biên giới"})
    result = import_workbook(workbook({"Quần chúng": [row]}))
    assert result.ok, [str(error) for error in result.errors]
    assert Candidate.objects.get().education_exception == "Xã biên giới"


@pytest.mark.parametrize(
    "left, exit, key, fragment",
    [
        ("01/01/2021", FormerExit.STRUCK_OFF, "former_exit_date", "Chưa đủ 36 tháng"),
        ("01/01/2019", FormerExit.ABANDONED, "former_exit", "Không xem xét kết nạp lại"),
        ("01/01/2019", FormerExit.STRUCK_OFF, None, None),
    ],
)
def test_a_rows_former_membership_obeys_the_readmission_rules(tree, workbook, left, exit, key, fragment):  # noqa: F811
    row = admitted_person(
        **{
            _header("former_admission_date"): "10/10/2005",
            _header("former_official_date"): "10/10/2006",
            _header("former_exit_date"): left,
            _header("former_exit"): str(FormerExit(exit).label),
        }
    )
    result = import_workbook(workbook({"Quần chúng": [row]}))
    if key is None:
        assert result.ok, [str(error) for error in result.errors]
        assert Candidate.objects.get().former_exit == exit
        return
    assert not result.ok and not Candidate.objects.exists()
    assert any(error.column == _header(key) and fragment in error.message for error in result.errors), [
        str(error) for error in result.errors
    ]


def _record(cell, **fields):
    return Candidate(
        full_name="Lò Văn Cũ",
        date_of_birth=D(1980, 6, 1),
        gender="male",
        ethnicity=Ethnicity.objects.get(name="Thái"),
        occupation="farmer",
        cell=cell,
        **admitted_fields(D(2023, 3, 15)),
        **fields,
    )


def test_a_historic_record_obeys_the_exception_and_readmission_rules(tree, users):
    def save(**fields):
        services.candidate_save_record(actor=users.staff_a, candidate=_record(tree.cell_a1, **fields))

    with pytest.raises(ValidationError) as refused:
        save(general_education="6/12")
    assert "general_education" in refused.value.message_dict
    save(general_education="6/12", education_exception="Bản vùng cao biên giới")
    Candidate.objects.all().delete()

    former = {
        "general_education": "9/12",
        "former_admission_date": D(2005, 1, 1),
        "former_official_date": D(2006, 1, 1),
        "former_exit_date": D(2021, 1, 1),
        "former_exit": FormerExit.STRUCK_OFF,
    }
    with pytest.raises(ValidationError) as refused:
        save(**former)  # the cell's resolution is 25 months after leaving
    assert "36 tháng" in " ".join(refused.value.message_dict["former_exit_date"])
    with pytest.raises(ValidationError) as refused:
        save(**{**former, "former_exit_date": D(2019, 1, 1), "former_exit": FormerExit.CORRUPTION})
    assert "former_exit" in refused.value.message_dict
    save(**{**former, "former_exit_date": D(2019, 1, 1)})
    assert Candidate.objects.get().is_readmission
