"""A long list of people is exported by a worker (recruitment.exports): the request queues it and
shows its page; the file is its author's alone, built with their scope and filters, logged when it is
downloaded, swept by the housekeeping. The worker is the database backend's own (run_queued_jobs)."""

import datetime
import io
import os

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from recruitment import exports
from recruitment.models import CandidateExport
from reports.tasks import housekeeping_now
from tests.conftest import run_queued_jobs
from tests.factories import CandidateFactory
from units import jobs
from units.jobs import JobStatus
from units.models import ReadEvent


@pytest.fixture(autouse=True)
def long_from_three(settings):
    settings.CANDIDATE_EXPORT_JOB_MIN_ROWS = 3


@pytest.fixture
def people(tree):
    return [
        CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn An", citizen_id="001203004567"),
        CandidateFactory(cell=tree.cell_a1, full_name="Trần Thị Bình"),
        CandidateFactory(cell=tree.cell_a2, full_name="Lê Văn Cường"),
        CandidateFactory(cell=tree.cell_b1, full_name="Nguyễn Văn Ngoài"),  # outside committee A
    ]


def export(client, **params):
    return client.get(reverse("recruitment:candidate_export"), params)


def rows_of(response):
    content = b"".join(response.streaming_content)
    return list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_a_long_list_is_built_by_a_worker_for_its_author_and_logged_when_downloaded(client, users, people):
    client.force_login(users.staff_a)
    response = export(client, cccd="1", page="2", sort="-full_name")
    record = CandidateExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("recruitment:candidate_export_file", args=[record.pk])
    assert record.status == JobStatus.QUEUED and record.with_ids and record.query == ""  # not the page, nor its order
    page = client.get(response["Location"]).content.decode()
    assert "data-job-status-url" in page and 'http-equiv="refresh"' in page
    assert client.get(reverse("recruitment:candidate_export_status", args=[record.pk])).json()["waiting"]
    assert not ReadEvent.objects.exists()  # nothing read yet

    run_queued_jobs()
    record.refresh_from_db()
    assert record.status == JobStatus.DONE and record.rows == 3 and record.progress == 100
    page = client.get(response["Location"]).content.decode()
    assert "Tải tệp Excel" in page and "3 người" in page
    rows = rows_of(client.get(reverse("recruitment:candidate_export_download", args=[record.pk])))
    assert rows[0][0] == "Họ và tên" and rows[0][-1] == "Số CCCD"
    assert [row[0] for row in rows[1:]] == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
    ]  # by given name, as the list
    assert "001203004567" in [row[-1] for row in rows[1:]]
    event = ReadEvent.objects.get()
    assert event.kind == ReadEvent.Kind.CANDIDATE_EXPORT and event.rows == 3 and "CCCD" in event.detail


def test_the_list_of_a_job_is_filtered_as_the_page_was(client, users, people, settings):
    settings.CANDIDATE_EXPORT_JOB_MIN_ROWS = 2
    client.force_login(users.province_staff)
    assert export(client, q="nguyen van").status_code == 302
    run_queued_jobs()
    record = CandidateExport.objects.get()
    assert record.query == "q=nguyen+van" and not record.with_ids
    assert (
        "lọc theo Tìm theo tên hoặc số CCCD: nguyen van"
        in client.get(reverse("recruitment:candidate_export_file", args=[record.pk])).content.decode()
    )
    rows = rows_of(client.get(reverse("recruitment:candidate_export_download", args=[record.pk])))
    assert [row[0] for row in rows[1:]] == ["Nguyễn Văn An", "Nguyễn Văn Ngoài"]
    assert "Số CCCD" not in rows[0]


def test_a_short_list_is_still_written_in_the_request(client, users, people):
    client.force_login(users.staff_a)
    response = export(client, q="nguyen")
    assert response.status_code == 200 and not CandidateExport.objects.exists()
    assert ReadEvent.objects.get().rows == 1


def test_nobody_else_sees_or_downloads_the_file(client, users, people):
    client.force_login(users.staff_a)
    export(client)
    run_queued_jobs()
    record = CandidateExport.objects.get()
    client.force_login(users.province_staff)  # above the author, still not theirs
    for name in ("candidate_export_file", "candidate_export_status", "candidate_export_download"):
        assert client.get(reverse(f"recruitment:{name}", args=[record.pk])).status_code == 404
    assert client.post(reverse("recruitment:candidate_export_retry", args=[record.pk])).status_code == 404
    assert not ReadEvent.objects.exists()


def test_citizen_ids_only_for_those_allowed_them_when_it_is_built(client, users, tree, people):
    CandidateFactory(cell=tree.cell_a1, full_name="Phạm Thị Dung", citizen_id="001203009999")
    client.force_login(users.secretary_a1)
    export(client, cccd="1")
    run_queued_jobs()
    record = CandidateExport.objects.get()
    assert not record.with_ids
    rows = rows_of(client.get(reverse("recruitment:candidate_export_download", args=[record.pk])))
    assert "Số CCCD" not in rows[0] and len(rows) == 4  # the cell's three people
    assert not any("9999" in str(value) or "4567" in str(value) for row in rows for value in row)


def test_a_job_whose_worker_died_fails_and_can_be_run_again(client, users, people):
    client.force_login(users.staff_a)
    export(client)
    record = CandidateExport.objects.get()
    # Taken by a worker process that no longer exists on this machine.
    CandidateExport.objects.filter(pk=record.pk).update(
        status=JobStatus.RUNNING, worker=jobs.worker_name(pid=os.getpid())[:-1] + "9", started_at=timezone.now()
    )
    page = client.get(reverse("recruitment:candidate_export_file", args=[record.pk])).content.decode()
    record.refresh_from_db()
    assert record.status == JobStatus.FAILED and "Thử lại" in page
    response = client.post(reverse("recruitment:candidate_export_retry", args=[record.pk]))
    assert response.status_code == 302
    run_queued_jobs()
    record.refresh_from_db()
    assert record.status == JobStatus.DONE and record.rows == 3


def test_housekeeping_deletes_old_lists_and_their_files(client, users, people, settings):
    client.force_login(users.staff_a)
    export(client)
    run_queued_jobs()
    record = CandidateExport.objects.get()
    path = record.stored_path
    assert os.path.isfile(path)
    assert housekeeping_now()["candidate_exports"] == 0  # fresh: kept
    old = timezone.now() - datetime.timedelta(hours=settings.CANDIDATE_EXPORT_MAX_AGE_HOURS + 1)
    CandidateExport.objects.filter(pk=record.pk).update(created_at=old)
    assert housekeeping_now()["candidate_exports"] == 1
    assert not os.path.exists(path) and not CandidateExport.objects.exists()


def test_the_workbook_of_a_job_is_the_one_written_in_the_request(client, users, people, settings):
    client.force_login(users.staff_a)
    export(client)
    run_queued_jobs()
    record = CandidateExport.objects.get()
    from_job = rows_of(client.get(reverse("recruitment:candidate_export_download", args=[record.pk])))
    settings.CANDIDATE_EXPORT_JOB_MIN_ROWS = 1000
    response = export(client)
    in_request = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert from_job == in_request


def test_write_workbook_counts_every_row(users, people):
    _form, rows = exports.filtered(users.province_staff, {})
    content, count = exports.write_workbook(rows, with_ids=False)
    assert count == 4 and content[:2] == b"PK"
