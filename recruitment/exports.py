"""The list of people as a workbook: the list page's filters and the user's scope, one row per person.

A short list is written in the request. A long one (settings.CANDIDATE_EXPORT_JOB_MIN_ROWS people or
more: a province's whole list is ~150,000 rows, seconds of work) is built by a worker
(`build_candidate_export`), kept as a CandidateExport, and handed only to the person who asked: the
list is theirs, filtered by their scope when it is built, and may carry full citizen IDs.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from units import jobs
from units.permissions import VIEW, VIEW_CITIZEN_ID, may
from units.spreadsheets import StreamingWorkbook, write_safe_row

from .filters import CandidateFilter
from .models import Candidate, CandidateExport, Gender, Occupation
from .pipeline import Stage

# The export leaves citizen IDs out; staff tick this box (…/xuat-excel/?cccd=1) to have the full numbers.
EXPORT_IDS_PARAM = "cccd"
# What of the list page's query says what is exported (not which page of it, nor its order).
NOT_FILTERS = ("page", "sort", "per_page", EXPORT_IDS_PARAM)
PROGRESS_EVERY = 5_000  # rows between two progress writes of a job

_DATE = "date"
_TEXT = "text"

# (heading, the value read from the database, how it is shown): read as values, not model objects (a
# province's list is 150,000 people), then shown by `_shown`.
COLUMNS = (
    (gettext_lazy("Họ và tên"), "full_name", _TEXT),
    (gettext_lazy("Ngày sinh"), "date_of_birth", _DATE),
    (gettext_lazy("Giới tính"), "gender", Gender),
    (gettext_lazy("Dân tộc"), "ethnicity__name", _TEXT),
    (gettext_lazy("Nghề nghiệp"), "occupation", Occupation),
    (gettext_lazy("Đoàn viên"), "youth_union_member", bool),
    (gettext_lazy("Chi bộ"), "cell__name", _TEXT),
    (gettext_lazy("Bước"), "current_stage", Stage),
    (gettext_lazy("Ngày vào danh sách"), "listed_on", _DATE),
    (gettext_lazy("Ngày cấp giấy chứng nhận"), "course_date", _DATE),
    (gettext_lazy("Ngày nghị quyết chi bộ"), "resolution_date", _DATE),
    (gettext_lazy("Số quyết định kết nạp"), "decision_no", _TEXT),
    (gettext_lazy("Ngày quyết định kết nạp"), "decision_date", _DATE),
    (gettext_lazy("Ngày lễ kết nạp"), "ceremony_date", _DATE),
    (gettext_lazy("Ngày công nhận chính thức"), "recognition_date", _DATE),
)
CITIZEN_ID_COLUMN = (gettext_lazy("Số CCCD"), "citizen_id", _TEXT)


def scoped_candidates(user):
    """Everyone `user` may see, with the stage the list shows, in the list's name order."""
    return Candidate.objects.restrict(user, VIEW).with_stage().in_name_order()


def filtered(user, params):
    """(the filter form, the people it selects): the list page's filters on `params` (a QueryDict);
    invalid filters select nobody (the page says why)."""
    scoped = scoped_candidates(user)
    filterset = CandidateFilter(params or None, queryset=scoped, user=user)
    rows = filterset.qs if filterset.is_valid() or not filterset.is_bound else scoped.none()
    return filterset, rows


def wants_citizen_ids(user, params):
    """Full citizen IDs only when asked for, and only for those who may see them: a workbook travels
    further than a page."""
    return may(user, VIEW_CITIZEN_ID) and params.get(EXPORT_IDS_PARAM) == "1"


def export_query(params):
    """The part of a list's query that says what is exported, as text (kept on a CandidateExport)."""
    query = params.copy()
    for name in NOT_FILTERS:
        query.pop(name, None)
    return urlencode(sorted(query.lists()), doseq=True)


def filename(day=None):
    return f"danh-sach-quan-chung-{(day or timezone.localdate()).strftime('%Y%m%d')}.xlsx"


def _labels(choices):
    return {value: str(label) for value, label in choices.choices}


def write_workbook(rows, *, with_ids, progress=None):
    """The workbook's bytes for the people of `rows` (a queryset from `filtered`); `progress(percent)`
    is told along the way when given. Returns (bytes, how many people)."""
    columns = (*COLUMNS, CITIZEN_ID_COLUMN) if with_ids else COLUMNS
    workbook = StreamingWorkbook()
    sheet = workbook.add_worksheet(_("Danh sách"))
    text = workbook.cell_format(num_format="@")
    date = workbook.cell_format(num_format="DD/MM/YYYY")
    write_safe_row(sheet, 0, [str(title) for title, _field, _shown in columns], [None] * len(columns))
    formats = [date if shown == _DATE else text for _title, _field, shown in columns]
    yes = _("Có")
    shown_as = []
    for _title, _field, shown in columns:
        if shown is bool:
            shown_as.append(lambda value: yes if value else "")
        elif shown in (_DATE, _TEXT):
            shown_as.append(None)
        else:
            labels = _labels(shown)
            shown_as.append(lambda value, labels=labels: labels.get(value, value or ""))
    total = rows.count() if progress else 0
    count = 0
    for count, values in enumerate(
        rows.values_list(*(field for _title, field, _shown in columns)).iterator(chunk_size=2000), start=1
    ):
        write_safe_row(
            sheet,
            count,
            [value if show is None else show(value) for show, value in zip(shown_as, values)],
            formats,
        )
        if progress and count % PROGRESS_EVERY == 0:
            progress(5 + 85 * count // max(total, 1))
    return workbook.getvalue(), count


def needs_job(rows):
    """Whether this list is long enough to be built by a worker (one COUNT)."""
    threshold = settings.CANDIDATE_EXPORT_JOB_MIN_ROWS
    return rows[: max(threshold, 1)].count() >= threshold


# --- The job ----------------------------------------------------------------------------------------

STALE_ERROR = gettext_lazy("Tiến trình nền dừng giữa chừng khi đang tạo tệp.")


def request_export(user, params):
    """Queue a worker to build `user`'s list as filtered by `params`; returns the CandidateExport."""
    record = CandidateExport.objects.create(
        requested_by=user,
        query=export_query(params),
        with_ids=wants_citizen_ids(user, params),
        file_name=filename(),
    )
    jobs.start_build(record, build_candidate_export)
    return record


def retry(record):
    return jobs.retry_build(record, build_candidate_export, stale_error=STALE_ERROR)


def fail_if_stale(record):
    return jobs.fail_if_stale_build(record, STALE_ERROR)


@task()
def build_candidate_export(export_id):
    """The job: build a long list's workbook, with its author's scope as it is now."""
    record = jobs.build_file(
        CandidateExport, export_id, _write, directory=file_dir(), error=gettext_lazy("Lỗi hệ thống khi tạo tệp.")
    )
    return record.status if record else None


def _write(record, progress):
    user = record.requested_by
    if user is None or not user.is_active:  # the account went meanwhile: nothing to hand over
        raise PermissionError(f"export {record.pk}: its account is gone")
    params = QueryDict(record.query)
    _filterset, rows = filtered(user, params)
    # Asked with the IDs, but no longer allowed them (a role changed meanwhile): without.
    content, count = write_workbook(rows, with_ids=record.with_ids and may(user, VIEW_CITIZEN_ID), progress=progress)
    CandidateExport.objects.filter(pk=record.pk).update(rows=count)
    return content


def file_dir():
    return settings.CANDIDATE_EXPORT_DIR


def sweep_files(now=None):
    """Housekeeping: exports older than settings.CANDIDATE_EXPORT_MAX_AGE_HOURS go, with their files."""
    return jobs.sweep_built_files(
        CandidateExport,
        file_dir(),
        max_age=datetime.timedelta(hours=settings.CANDIDATE_EXPORT_MAX_AGE_HOURS),
        stale_error=STALE_ERROR,
        now=now,
    )
