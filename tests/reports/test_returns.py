"""Quarterly returns sent and closed: a unit submits its return (the workbook kept as sent), the
committee above sees who submitted, closes the quarter and can reopen it; each action asks first."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports import services
from reports.excel import SHEET_PROGRESS
from reports.models import SubmittedReturn
from tests.factories import CandidateFactory, admitted_fields, make_unit, make_user
from units import services as unit_services
from units.models import ClosedQuarter, Role, Unit
from units.periods import quarter_of

D = datetime.date


def action_url(name, code, year=2025, quarter=1, back=""):
    url = reverse(f"reports:{name}", kwargs={"code": code, "year": year, "quarter": quarter})
    return f"{url}?tu={back}" if back else url


def returns_url(code, year=2025, quarter=1):
    return reverse("reports:returns", kwargs={"code": code}) + f"?year={year}&quarter={quarter}"


def test_submit_then_the_committee_above_closes_and_reopens(client, tree, users):
    CandidateFactory(cell=tree.cell_a1, full_name="Lò Văn Quý Một", **admitted_fields(D(2025, 2, 10)))
    # The unit's staff are asked first: nothing is sent by the GET.
    client.force_login(users.staff_a)
    page = client.get(action_url("return_submit", "A", back="A")).content.decode()
    assert "Gửi báo cáo quý I/2025 của Đảng bộ huyện A lên cấp trên?" in page
    assert not SubmittedReturn.objects.exists()
    response = client.post(action_url("return_submit", "A"), {"tu": "A"}, follow=True)
    assert "Đã gửi báo cáo quý I/2025 của Đảng bộ huyện A." in response.content.decode()
    sent = SubmittedReturn.objects.get()
    assert (sent.unit, sent.year, sent.quarter, sent.submitted_by) == (tree.committee_a, 2025, 1, users.staff_a)
    book = openpyxl.load_workbook(io.BytesIO(bytes(sent.workbook)), read_only=True)
    assert SHEET_PROGRESS in book.sheetnames
    # Kept as sent: a later admission in the quarter does not change the stored workbook.
    stored = bytes(sent.workbook)
    CandidateFactory(cell=tree.cell_a2, **admitted_fields(D(2025, 3, 1)))
    download = client.get(reverse("reports:submitted_return", kwargs={"pk": sent.pk}))
    assert download.content == stored and download["Content-Disposition"].endswith('.xlsx"')

    # The committee above sees who has submitted, and closes the quarter (asked first).
    client.force_login(users.province_staff)
    page = client.get(returns_url("P")).content.decode()
    assert "1/2 đơn vị trực thuộc đã gửi báo cáo." in page
    assert 'data-unit="A" data-submitted="yes" data-closed="no"' in page
    assert 'data-unit="B" data-submitted="no" data-closed="no"' in page
    close = action_url("return_close", "A", back="P")
    assert f'href="{close}"' in page  # each row's action leads to its confirmation
    assert "Khóa sổ quý I/2025 cho Đảng bộ huyện A" in client.get(close).content.decode()
    assert not ClosedQuarter.objects.exists()
    response = client.post(action_url("return_close", "A"), {"tu": "P"}, follow=True)
    assert response.redirect_chain[-1][0] == returns_url("P")
    assert 'data-unit="A" data-submitted="yes" data-closed="yes"' in response.content.decode()
    closure = ClosedQuarter.objects.get()
    assert (closure.unit, closure.closed_by) == (tree.committee_a, users.province_staff)

    # Closed: the unit can neither send again nor reopen its own quarter.
    client.force_login(users.staff_a)
    response = client.post(action_url("return_submit", "A"), follow=True)
    assert "đã khóa sổ ở Đảng bộ huyện A" in response.content.decode()
    assert SubmittedReturn.objects.count() == 1
    assert client.get(action_url("return_reopen", "A")).status_code == 403
    assert client.post(action_url("return_reopen", "A")).status_code == 403

    # The committee above reopens (asked first); the unit may send again, the first return stays.
    client.force_login(users.province_staff)
    assert "Mở lại sổ quý I/2025 của Đảng bộ huyện A?" in client.get(action_url("return_reopen", "A")).content.decode()
    client.post(action_url("return_reopen", "A"), {"tu": "P"})
    assert not ClosedQuarter.objects.exists()
    client.force_login(users.staff_a)
    client.post(action_url("return_submit", "A"))
    assert SubmittedReturn.objects.count() == 2
    client.force_login(users.province_staff)
    assert "2 lần gửi" in client.get(returns_url("P")).content.decode()


def test_a_quarter_still_running_can_be_neither_submitted_nor_closed(client, tree, users):
    today = datetime.date.today()
    year, quarter = quarter_of(today)
    with pytest.raises(ValidationError, match="quý chưa kết thúc"):
        unit_services.quarter_close(actor=users.staff_a, unit=tree.committee_a, year=year, quarter=quarter)
    with pytest.raises(ValidationError, match="quý chưa kết thúc"):
        services.return_submit(actor=users.staff_a, unit=tree.committee_a, year=year, quarter=quarter)
    client.force_login(users.province_staff)
    page = client.get(returns_url("P", year, quarter)).content.decode()
    assert "chưa kết thúc" in page
    assert "/khoa-so/" not in page and "/gui/" not in page
    response = client.post(action_url("return_close", "A", year, quarter), follow=True)
    assert "quý chưa kết thúc" in response.content.decode()
    assert not ClosedQuarter.objects.exists() and not SubmittedReturn.objects.exists()


def test_who_may_submit_close_and_reopen(tree, users):
    for user in (users.leader, users.secretary_a1):
        with pytest.raises(PermissionDenied):
            services.return_submit(actor=user, unit=tree.cell_a1, year=2025, quarter=1)
    with pytest.raises(PermissionDenied):  # outside the account's subtree
        services.return_submit(actor=users.staff_a, unit=tree.committee_b, year=2025, quarter=1)
    services.return_submit(actor=users.province_staff, unit=tree.committee_b, year=2025, quarter=1, today=D(2025, 4, 1))
    with pytest.raises(ValidationError, match="quý chưa kết thúc"):  # the last day of the quarter
        services.return_submit(actor=users.staff_a, unit=tree.committee_a, year=2025, quarter=1, today=D(2025, 3, 31))


def test_leadership_reads_the_returns_but_takes_no_action(client, tree, users):
    services.return_submit(actor=users.staff_a, unit=tree.committee_a, year=2025, quarter=1)
    client.force_login(users.leader)
    page = client.get(returns_url("P")).content.decode()
    assert 'data-submitted="yes"' in page and "/khoa-so/" not in page and "/gui/" not in page
    assert client.get(action_url("return_close", "A")).status_code == 403
    sent = SubmittedReturn.objects.get()
    assert client.get(reverse("reports:submitted_return", kwargs={"pk": sent.pk})).status_code == 200
    client.force_login(make_user(tree.committee_b, Role.STAFF, "tochuc_b"))  # the sibling committee: not theirs
    assert client.get(reverse("reports:submitted_return", kwargs={"pk": sent.pk})).status_code == 404
    assert client.get(returns_url("A")).status_code == 404


@pytest.mark.parametrize("children", [2, 12])
def test_the_returns_page_query_count_is_pinned(client, db, django_assert_num_queries, children):
    root = make_unit(None, code="ROOT")
    staff = make_user(root, Role.STAFF)
    for index in range(children):
        committee = make_unit(root, code=f"C{index}")
        if index % 2:
            services.return_submit(actor=staff, unit=committee, year=2025, quarter=1)
        if index % 3 == 0:
            unit_services.quarter_close(actor=staff, unit=committee, year=2025, quarter=1)
    client.force_login(staff)
    # session, user with its unit, the unit (a root: no ancestors); children, submissions, closures.
    with django_assert_num_queries(3 + 3):
        response = client.get(returns_url("ROOT"))
    assert response.context["report"].submitted_count == children // 2
    assert "workbook" in response.context["report"].rows[1].submitted.get_deferred_fields()  # never the bytes


def test_the_demo_has_returns_sent_and_not_and_units_that_will_miss(db):
    from django.core.management import call_command

    from recruitment.progress import year_end_outlook

    as_of = D(2026, 11, 20)
    call_command("seed_demo", "--seed", "7", "--as-of", as_of.isoformat(), "--password", "thu-demo-1")
    province = Unit.objects.get(depth=1)
    committees = Unit.objects.children_of(province).count()
    last = SubmittedReturn.objects.for_quarter(2026, 3)
    assert 0 < last.count() < committees  # some sent the last quarter's return, some not yet
    assert SubmittedReturn.objects.for_quarter(2026, 2).count() == committees + 1
    assert ClosedQuarter.objects.filter(unit=province, year=2026, quarter=2).exists()
    book = openpyxl.load_workbook(io.BytesIO(bytes(last.first().workbook)), read_only=True)
    assert SHEET_PROGRESS in book.sheetnames
    outlook = year_end_outlook(province, 2026, today=as_of)
    assert len([row for row in outlook.missing if not row.is_total]) >= 2
