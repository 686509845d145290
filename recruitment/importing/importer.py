"""Importing a workbook: the sheets read and every cell parsed (outside any transaction), then units,
targets and people each checked and written, all inside one transaction.

The stages live in their own modules: workbook.py reads the file, parse.py turns each row's cells
into values, check.py holds every row to the browser's rules and the user's scope without a query
per row, and write.py writes what passed in bulk with its history. Units come first because the
targets and people of the same file may name them.

Every row is checked and every error collected; if there is any error (or this is a dry run) the
transaction is rolled back, so a preview runs exactly the code of the real import and counts the same.
"""

import logging
import time
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.permissions import CHANGE, IMPORT, allows, may

from . import check, parse, reorganisation, write
from .accounts import COLUMNS as ACCOUNT_COLUMNS
from .accounts import import_accounts
from .errors import RowError, WorkbookError, cell_error
from .preview import Fixes, Preview
from .workbook import ACCOUNTS, PEOPLE, REORGANISATION, TARGETS, UNITS, read_workbook

logger = logging.getLogger(__name__)

# What the counts mean, in the order pages and the command show them.
COUNT_LABELS = (
    ("units_created", gettext_lazy("Đơn vị tạo mới")),
    ("units_updated", gettext_lazy("Đơn vị cập nhật")),
    ("units_unchanged", gettext_lazy("Đơn vị không đổi")),
    ("reorg_events", gettext_lazy("Quyết định sắp xếp tổ chức đã ghi")),
    ("reorg_unchanged", gettext_lazy("Quyết định sắp xếp tổ chức đã có (bỏ qua)")),
    ("headcounts", gettext_lazy("Số đảng viên của đơn vị (năm nay)")),
    ("terms_created", gettext_lazy("Nhiệm kỳ tạo mới")),
    ("targets_created", gettext_lazy("Chỉ tiêu tạo mới")),
    ("targets_updated", gettext_lazy("Chỉ tiêu cập nhật")),
    ("targets_unchanged", gettext_lazy("Chỉ tiêu không đổi")),
    ("people_created", gettext_lazy("Người tạo mới")),
    ("people_updated", gettext_lazy("Người cập nhật")),
    ("people_unchanged", gettext_lazy("Người không đổi")),
    ("people_incomplete", gettext_lazy("Hồ sơ chưa đầy đủ (được nhận, đánh dấu để bổ sung)")),
    ("accounts_created", gettext_lazy("Tài khoản tạo mới (mật khẩu tạm cấp khi tải danh sách)")),
)


@dataclass
class ImportResult:
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    timings: dict = field(default_factory=dict)  # seconds per stage, for the benchmark
    fixes: dict = field(default_factory=dict)  # {fix key of values.FIXES: cells corrected to be read}
    preview: dict = field(default_factory=dict)  # what WorkbookImport.preview stores (see preview.py)

    @property
    def ok(self):
        return not self.errors


class _Rollback(Exception):
    pass


def import_workbook(path, *, actor=None, dry_run=False, file_name=None, progress=None, change_reason=None):
    """Import the workbook at `path` as `actor` (None: a system import with no scope limit).

    Returns an ImportResult; nothing is written when it has errors or when `dry_run` is set.
    `progress(percent)` is called now and then (from the same thread). Every row written leaves a
    history record by `actor` with `change_reason` (default: the file's name).
    """
    if actor is not None and not may(actor, IMPORT):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được nhập dữ liệu."))
    result = ImportResult(dry_run=dry_run)
    report = progress or (lambda percent: None)
    started = time.perf_counter()
    try:
        sheets = read_workbook(path, file_name)
    except WorkbookError as error:
        result.errors.append(RowError(error.sheet, None, "", "", error.message))
        return result
    for sheet in sheets.values():
        result.warnings.extend(sheet.warnings)
    result.timings["read"] = time.perf_counter() - started
    report(5)
    reason = change_reason or _("Nhập từ tệp %(file)s") % {"file": file_name or getattr(path, "name", path)}
    job = ImportJob(actor, result, report, reason[:100])
    parsed = job.parse(sheets)
    try:
        with transaction.atomic():
            job.run(sheets, parsed)
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except IntegrityError:
        # Someone saved a clashing record while we worked, or a row clashes with a record outside the
        # importer's scope (a citizen ID or unit code used elsewhere, which the checks do not match):
        # the message is neutral, never the database's, which would name the value and what it clashes
        # with. The detail goes to the log.
        logger.warning("workbook import by %s refused by the database", actor, exc_info=True)
        result.errors.append(
            RowError(
                "",
                None,
                "",
                "",
                _(
                    "Dữ liệu vừa bị thay đổi trong lúc nhập hoặc trùng với dữ liệu đã có; không có gì được ghi. "
                    "Hãy kiểm tra lại số CCCD và mã đơn vị rồi nhập lại."
                ),
            )
        )
    rank = {}
    for error in result.errors:
        rank.setdefault(error.sheet, len(rank))
    result.errors.sort(key=lambda error: (rank[error.sheet], error.row or 0))  # stable: columns keep their order
    result.written = not result.errors and not dry_run
    result.fixes = dict(job.fixes.counts)
    result.preview = job.preview.as_dict(result.errors, job.fixes)
    if result.written and job.account_batch is not None:
        result.preview["account_batch"] = job.account_batch.pk  # its page issues the passwords
    report(100)
    return result


class ImportJob:
    """One import under way, handed to every stage: who imports and what they may change, the counts
    and errors so far, progress, and the history's who and why of every record written."""

    def __init__(self, actor, result, report, reason):
        self.actor = actor
        self.result = result
        self.counts = result.counts
        self.report = report
        self.reason = reason
        self.history = {"default_user": actor, "default_change_reason": reason}
        # code -> row number of a unit row that failed, so rows that depend on it say why.
        self.failed_units = {}
        self.fixes = Fixes()  # what had to be corrected to read the cells, for the preview
        self.preview = Preview()  # what each row does
        self.account_batch = None  # the accounts the sheet "Tài khoản" created (units.models.AccountBatch)
        self.people_columns = None  # the people sheet's readers, set by parse()

    def parse(self, sheets):
        """Every sheet's cells read into values, before the transaction opens: parsing a large sheet
        never holds the database (on SQLite, a write lock would stop every other request). Returns
        {sheet key: (rows, the sheet's cell errors)}; each stage adds its sheet's errors when it runs,
        so a stage judges only what came before it, as when each parsed its own sheet."""
        started = time.perf_counter()
        readers = {
            UNITS.key: parse.UNIT_COLUMNS,
            TARGETS.key: parse.TARGET_COLUMNS,
            ACCOUNTS.key: ACCOUNT_COLUMNS,
            REORGANISATION.key: reorganisation.COLUMNS,
        }
        if PEOPLE.key in sheets:
            self.people_columns = parse.PeopleColumns()
            readers[PEOPLE.key] = self.people_columns.columns(sheets[PEOPLE.key].present)
        parsed = {}
        for spec in (UNITS, REORGANISATION, TARGETS, PEOPLE, ACCOUNTS):
            if spec.key in sheets:
                errors = []
                rows = parse.parse_rows(sheets[spec.key], readers[spec.key], errors, self.fixes)
                parsed[spec.key] = (rows, errors)
        self.result.timings["parse"] = time.perf_counter() - started
        return parsed

    def run(self, sheets, parsed):
        stages = (
            (UNITS, _units, 15),
            (REORGANISATION, reorganisation.import_sheet, 17),  # after the units it may name, before people
            (TARGETS, _targets, 20),
            (PEOPLE, _people, 90),
            (ACCOUNTS, import_accounts, 95),
        )
        for spec, stage, done in stages:
            if spec.key in sheets:
                started = time.perf_counter()
                rows, errors = parsed[spec.key]
                self.result.errors.extend(errors)
                stage(self, sheets[spec.key], rows)
                self.result.timings[spec.key] = time.perf_counter() - started
            self.report(done)

    @property
    def ok(self):
        return not self.result.errors

    def may_change(self, unit):
        """Whether the actor may change `unit` or what is in it (None: add a root unit, which only a
        superuser may). The rule is units.permissions'; a system import (no actor) may do anything."""
        if self.actor is None:
            return True
        if unit is None:
            return self.actor.is_superuser
        return allows(self.actor, CHANGE, unit)

    def may_create_term(self):
        """Whether the actor may create a term: a term is province-wide (every unit's targets and
        reports count in it), so only a superuser or the staff of a province (an account whose unit
        is a root of the tree) may; a system import (no actor) may."""
        if self.actor is None or self.actor.is_superuser:
            return True
        unit = self.actor.unit if self.actor.unit_id else None
        return unit is not None and unit.depth == 1 and may(self.actor, IMPORT)

    def add(self, key, number=1):
        if number:
            self.counts[key] = self.counts.get(key, 0) + number

    def error(self, sheet, row, column, value, message):
        self.result.errors.append(cell_error(sheet, row, column, value, message))


def _units(job, sheet, rows):
    plan = check.units(job, sheet, rows)
    if not job.ok:
        return
    for row, error in write.units(job, plan):
        check.unit_refused(job, sheet, row, error)
    new, changed = check.headcounts(job, sheet, plan.headcounts)
    if job.ok:
        write.headcounts(job, new, changed)


def _targets(job, sheet, rows):
    plan = check.targets(job, sheet, rows, create_term=write.term)
    if job.ok:
        write.targets(job, plan)


def _people(job, sheet, rows):
    started = time.perf_counter()
    plan = check.people(job, sheet, rows, columns=job.people_columns)
    job.result.timings["people_check"] = time.perf_counter() - started
    if job.ok:
        write.people(job, plan)
