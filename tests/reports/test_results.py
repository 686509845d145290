"""A large unit's exports are built by a worker and kept per unit, period, day and data version: the
second download of an unchanged return is the file built already, one after any change is built
again (reports/results.py). The worker is the database backend's own, run in this process
(tests/conftest.py run_queued_jobs); tests/test_jobs.py runs one in another process."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.urls import reverse
from django_tasks.signals import task_enqueued

from reports import results
from reports.excel import SHEET_PROGRESS
from reports.models import ReportFile, ReportFileStatus
from tests.conftest import run_queued_jobs
from tests.factories import CandidateFactory, admitted_fields
from units import jobs
from units import services as unit_services
from units.models import ClosedQuarter

YEAR = datetime.date.today().year


@pytest.fixture(autouse=True)
def every_unit_is_large(settings):
    settings.REPORT_JOB_MIN_UNITS = 1


@pytest.fixture
def enqueued():
    """The jobs queued meanwhile, as the standard interface announces them."""
    queued = []

    def note(sender, task_result, **kwargs):
        queued.append(task_result.task.name)

    task_enqueued.connect(note, weak=False, dispatch_uid="test_results")
    yield queued
    task_enqueued.disconnect(dispatch_uid="test_results")


def return_url(code="A"):
    return reverse("reports:quarterly_return", kwargs={"code": code}) + f"?year={YEAR}"


def admitted_total(content):
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    rows = list(book[SHEET_PROGRESS].iter_rows(min_row=5, values_only=True))
    assert rows[-1][1] == "Tổng cộng"
    return rows[-1][3]


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == results.excel.XLSX_CONTENT_TYPE
    return b"".join(response.streaming_content)


def test_the_second_download_of_an_unchanged_return_is_not_built_again_and_one_after_a_change_is(
    client, tree, users, enqueued
):
    CandidateFactory(cell=tree.cell_a1, **admitted_fields(datetime.date(YEAR, 1, 15)))
    client.force_login(users.staff_a)

    response = client.get(return_url())
    record = ReportFile.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:file", args=[record.pk])
    assert enqueued == ["build_report_file"] and record.status == ReportFileStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in page and "data-job-status-url" in page  # polls, or refreshes without JS
    status = client.get(reverse("reports:file_status", args=[record.pk])).json()
    assert status["running"] and status["waiting"]

    run_queued_jobs()
    record.refresh_from_db()
    assert record.status == ReportFileStatus.DONE and record.progress == 100
    page = client.get(reverse("reports:file", args=[record.pk])).content.decode()
    file_url = reverse("reports:file_download", args=[record.pk])
    assert "Tải tệp Excel" in page and f'href="{file_url}"' in page and f'href="{return_url()}"' in page
    first = download(client, return_url())
    assert admitted_total(first) == 1
    built_at = record.finished_at

    again = download(client, return_url())  # unchanged data: the file built already, nothing queued
    assert again == first and enqueued == ["build_report_file"]
    assert ReportFile.objects.get().finished_at == built_at

    CandidateFactory(cell=tree.cell_a2, **admitted_fields(datetime.date(YEAR, 2, 1)))  # one more admission
    response = client.get(return_url())
    assert response.status_code == 302 and enqueued == ["build_report_file"] * 2
    newer = ReportFile.objects.exclude(pk=record.pk).get()
    assert newer.data_version != record.data_version
    # The job page's link still gives the file that job built, what its reader waited for (on a busy
    # day the data change every second); the return's own address gives the new figures.
    assert admitted_total(download(client, file_url)) == 1
    run_queued_jobs()
    assert admitted_total(download(client, return_url())) == 2


def test_a_single_report_of_a_large_unit_is_a_job_too(client, tree, users, enqueued):
    client.force_login(users.staff_a)
    url = reverse("reports:export", kwargs={"code": "A", "report": "coverage"}) + f"?year={YEAR}"
    assert client.get(url).status_code == 302
    run_queued_jobs()
    book = openpyxl.load_workbook(io.BytesIO(download(client, url)), read_only=True)
    assert book.sheetnames == ["Chưa kết nạp"]


def test_a_small_unit_is_built_in_the_request(client, tree, users, settings, enqueued):
    settings.REPORT_JOB_MIN_UNITS = 200
    client.force_login(users.staff_a)
    response = client.get(return_url())
    assert response.status_code == 200 and not enqueued and not ReportFile.objects.exists()


def test_the_data_version_changes_with_every_kind_of_change(tree, users):
    seen = [results.data_version()]

    def changed():
        version = results.data_version()
        assert version not in seen
        seen.append(version)

    person = CandidateFactory(cell=tree.cell_a1)
    changed()
    person.full_name = "Nguyễn Thị Đổi Tên"
    person.save()
    changed()
    unit_services.target_set(unit=tree.committee_a, admissions=12, year=YEAR)
    changed()
    unit_services.headcount_set(unit=tree.cell_a1, year=YEAR, members=30)
    changed()
    unit_services.unit_update(unit=tree.cell_a2, name="Chi bộ thôn Hai")
    changed()
    ClosedQuarter.objects.create(unit=tree.committee_a, year=YEAR - 1, quarter=4, closed_by=users.staff_a)
    changed()
    person.delete()
    changed()
    assert results.data_version() == seen[-1]  # and stays put while nothing changes


def test_a_build_whose_worker_died_is_shown_failed_and_can_be_built_again(client, tree, users, settings):
    ended = subprocess.Popen(["sleep", "5"])
    dead = jobs.worker_name(ended.pid)  # while it runs
    ended.kill()
    ended.wait()
    record = ReportFile.objects.create(
        unit=tree.committee_a,
        report=results.RETURN,
        period=f"year={YEAR}",
        period_label=f"Năm {YEAR}",
        as_of=datetime.date.today(),
        data_version=results.data_version(),
        file_name="bao-cao_A.xlsx",
        status=ReportFileStatus.RUNNING,
        progress=40,
        worker=dead,
    )
    client.force_login(users.staff_a)
    page = client.get(reverse("reports:file", args=[record.pk])).content.decode()
    record.refresh_from_db()
    assert record.status == ReportFileStatus.FAILED and "Thử lại" in page and "data-job-status-url" not in page
    # the download asks for the same file: shown failed, not queued again behind the user's back
    assert client.get(return_url()).status_code == 302 and ReportFile.objects.count() == 1
    client.post(reverse("reports:file_retry", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ReportFileStatus.QUEUED
    run_queued_jobs()
    record.refresh_from_db()
    assert record.status == ReportFileStatus.DONE
    assert admitted_total(download(client, return_url())) == 0


def test_the_pages_of_a_build_take_a_fixed_number_of_queries(client, tree, users, django_assert_max_num_queries):
    client.force_login(users.staff_a)
    client.get(return_url())
    record = ReportFile.objects.get()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:file", args=[record.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:file_status", args=[record.pk])).status_code == 200
