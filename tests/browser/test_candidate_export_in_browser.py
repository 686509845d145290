"""A long list of people exported from the list page: the page of its job, followed by the browser
(static/js/job_progress.js) while a real worker process builds it, then the file. Screenshots of the
job's page, done, at 1280 and 390 px."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from recruitment.models import CandidateExport
from tests.factories import CandidateFactory

from .test_accounts_in_browser import snap
from .test_pipeline_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_long_list_is_built_by_the_worker_and_downloaded_from_its_page(page, tree, users, settings, start_worker):
    settings.CANDIDATE_EXPORT_JOB_MIN_ROWS = 3  # "long" from three people, for the test
    for name in ("Lò Văn Pấng", "Quàng Thị Tải", "Vàng A Sùng"):
        CandidateFactory(cell=tree.cell_a1, full_name=name)
    start_worker()
    log_in(page, "tochuc_a")
    page.goto(page.base_url + "/quan-chung/")
    page.get_by_label("Kèm số CCCD đầy đủ").check()
    page.get_by_role("button", name="Xuất Excel").click()

    expect(page.get_by_role("heading", name="Xuất danh sách quần chúng")).to_be_visible()
    # The page polls the job and reloads itself when the worker is done.
    download_link = page.get_by_role("link", name="Tải tệp Excel")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.locator("body")).to_contain_text("3 người")
    expect(page.locator("body")).to_contain_text("kèm số CCCD đầy đủ")
    snap(page, "candidate-export-done")

    with page.expect_download() as download:
        download_link.click()
    rows = list(
        openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows(values_only=True)
    )
    assert rows[0][-1] == "Số CCCD"
    assert sorted(row[0] for row in rows[1:]) == ["Lò Văn Pấng", "Quàng Thị Tải", "Vàng A Sùng"]
    assert CandidateExport.objects.get().requested_by == users.staff_a
