"""The import itself: units, then targets, then people, all inside one transaction.

Every row is checked and every error collected; if there is any error (or this is a dry run) the
transaction is rolled back, so a preview runs exactly the code of the real import and counts the same.

The same rules as the browser, without per-row queries:
- new units: `Unit.validate_parent()`, `clean_fields()` and `clean()` (what `unit_create` runs), the
  code's uniqueness from one batched lookup, tree paths computed as treebeard would, `bulk_create`;
  changes to known units (rename, new kind or type, move) go through `unit_update` / `unit_move`;
- headcounts and targets: the models' own rules (`Headcount.clean()`: cells only; one period, unique per
  unit and period) and bulk writes;
- people: `candidate_save_record`'s rules — scope (`user.can_edit(cell)`), then `clean_fields()` and
  `clean()` (every rule of recruitment.pipeline), i.e. `full_clean()` minus its per-row queries: the
  cell, ethnicity and religion come from batched lookups, and the citizen ID's uniqueness is settled by
  matching every ID in the sheet against the database first. Written with `bulk_create` and one
  prepared UPDATE per changed person.
"""

import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from units import services as unit_services
from units.models import GRASSROOTS_KINDS, ClosedQuarterIndex, GrassrootsType, Headcount, Target, Term, Unit, UnitKind

from ..models import Candidate, Education, Ethnicity, Gender, Occupation, Religion
from ..reference_data import MAJORITY_ETHNICITY
from ..text import match_key
from . import values
from .errors import RowError, WorkbookError, show_value
from .workbook import PEOPLE, TARGETS, UNITS, read_workbook

# What the counts mean, in the order pages and the command show them.
COUNT_LABELS = (
    ("units_created", gettext_lazy("Đơn vị tạo mới")),
    ("units_updated", gettext_lazy("Đơn vị cập nhật")),
    ("units_unchanged", gettext_lazy("Đơn vị không đổi")),
    ("headcounts", gettext_lazy("Số đảng viên của chi bộ")),
    ("terms_created", gettext_lazy("Nhiệm kỳ tạo mới")),
    ("targets_created", gettext_lazy("Chỉ tiêu tạo mới")),
    ("targets_updated", gettext_lazy("Chỉ tiêu cập nhật")),
    ("targets_unchanged", gettext_lazy("Chỉ tiêu không đổi")),
    ("people_created", gettext_lazy("Người tạo mới")),
    ("people_updated", gettext_lazy("Người cập nhật")),
    ("people_unchanged", gettext_lazy("Người không đổi")),
    ("people_incomplete", gettext_lazy("Hồ sơ chưa đầy đủ (được nhận, đánh dấu để bổ sung)")),
)
CHUNK = 900  # ids per IN (...) list: under SQLite's old 999-variable limit
PROGRESS_EVERY = 500


@dataclass
class ImportResult:
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    timings: dict = field(default_factory=dict)  # seconds per stage, for the benchmark

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
    if actor is not None and not actor.is_staff_role:
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
    importer = _Importer(actor, sheets, result, report, reason[:100])
    try:
        with transaction.atomic():
            importer.run()
            if result.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    except IntegrityError as error:  # someone saved a clashing record while we worked
        result.errors.append(
            RowError(
                "",
                None,
                "",
                "",
                _("Dữ liệu vừa bị thay đổi trong lúc nhập (%(detail)s); không có gì được ghi. Hãy nhập lại.")
                % {"detail": error},
            )
        )
    rank = {}
    for error in result.errors:
        rank.setdefault(error.sheet, len(rank))
    result.errors.sort(key=lambda error: (rank[error.sheet], error.row or 0))  # stable: columns keep their order
    result.written = not result.errors and not dry_run
    report(100)
    return result


class _Importer:
    def __init__(self, actor, sheets, result, report, reason=""):
        self.actor = actor
        self.reason = reason  # the history's "why" of every row written
        self.sheets = sheets
        self.result = result
        self.report = report
        self.counts = result.counts
        # code -> row number of a unit row that failed, so rows that depend on it say why.
        self.failed_units = {}

    def run(self):
        for spec, stage, done in ((UNITS, _UnitStage, 15), (TARGETS, _TargetStage, 20), (PEOPLE, _PeopleStage, 90)):
            if spec.key in self.sheets:
                started = time.perf_counter()
                stage(self, self.sheets[spec.key]).run()
                self.result.timings[spec.key] = time.perf_counter() - started
            self.report(done)

    # --- shared helpers ---
    def add(self, key, number=1):
        if number:
            self.counts[key] = self.counts.get(key, 0) + number

    def may_edit(self, unit):
        return self.actor is None or self.actor.can_edit(unit)

    def may_create_root(self):
        return self.actor is None or self.actor.is_superuser

    def error(self, sheet, row, column, value, message):
        self.result.errors.append(
            RowError(sheet.title, row, column.header if column else "", show_value(value), str(message))
        )

    def unit_lookup_error(self, sheet, number, column, code, *, cell=False):
        """Why a unit code cannot be used: failed earlier in this file, or unknown."""
        if code in self.failed_units:
            message = _("Đơn vị “%(code)s” có lỗi ở trang “Đơn vị”, dòng %(row)d.") % {
                "code": code,
                "row": self.failed_units[code],
            }
        elif cell:
            message = _("Không có chi bộ mã “%(code)s” trong tệp hay trong hệ thống.") % {"code": code}
        else:
            message = _("Không có đơn vị mã “%(code)s” trong tệp hay trong hệ thống.") % {"code": code}
        self.error(sheet, number, column, code, message)

    def out_of_scope(self, sheet, number, column, value):
        self.error(
            sheet,
            number,
            column,
            value,
            _("Đơn vị này nằm ngoài phạm vi của bạn: chỉ được nhập cho đơn vị của mình và các đơn vị cấp dưới."),
        )


def _parse(importer, sheet, number, raw, key, parser, *, required=False):
    """Parse one cell; on a bad value record the error and return `_BAD`."""
    column = sheet.spec.column(key)
    value = raw.get(key)
    if values.is_blank(value):
        if required:
            importer.error(sheet, number, column, "", _("Cột này là bắt buộc."))
            return _BAD
        return parser(None) if parser is not values.text else ""
    try:
        return parser(value)
    except ValueError as error:
        importer.error(sheet, number, column, value, str(error))
        return _BAD


_BAD = object()
_KINDS = values.Choices(UnitKind)
_TYPES = values.Choices(GrassrootsType)


@dataclass
class _UnitRow:
    number: int
    code: str
    name: str
    kind: str
    parent_code: str
    grassroots_type: str
    members: int | None


class _UnitStage:
    def __init__(self, importer, sheet):
        self.importer = importer
        self.sheet = sheet
        self.spec = sheet.spec

    def run(self):
        imp, sheet = self.importer, self.sheet
        rows, first_row = {}, {}
        for number, raw in sheet.rows:
            parsed = [
                _parse(imp, sheet, number, raw, "code", values.text, required=True),
                _parse(imp, sheet, number, raw, "name", values.text, required=True),
                _parse(imp, sheet, number, raw, "kind", _KINDS, required=True),
                _parse(imp, sheet, number, raw, "parent", values.text),
                _parse(imp, sheet, number, raw, "grassroots_type", _TYPES),
                _parse(imp, sheet, number, raw, "members", values.whole_number),
            ]
            code = parsed[0]
            if code is not _BAD and code in first_row:
                imp.error(
                    sheet,
                    number,
                    self.spec.column("code"),
                    code,
                    _("Mã đơn vị trùng với dòng %(row)d.") % {"row": first_row[code]},
                )
                continue
            if code is not _BAD:
                first_row[code] = number
            if _BAD in parsed:
                if code is not _BAD:
                    imp.failed_units[code] = number
                continue
            rows[code] = _UnitRow(number, *parsed)

        codes = set(rows) | {row.parent_code for row in rows.values() if row.parent_code}
        existing = {}
        for chunk in _chunks(codes):
            existing.update((unit.code, unit) for unit in Unit.objects.filter(code__in=chunk))
        self.new_units, self.changes, self.headcounts = [], [], []
        self.next_step, self.added_children = {}, defaultdict(int)
        for row in self._in_tree_order(rows):
            self._import(row, existing)
        self._write(existing)

    def _write(self, existing):
        imp = self.importer
        if imp.result.errors:
            return  # all will be rolled back
        bulk_create_with_history(
            self.new_units, Unit, batch_size=500, default_user=imp.actor, default_change_reason=imp.reason
        )
        for parent_pk, added in self.added_children.items():
            Unit.objects.filter(pk=parent_pk).update(numchild=F("numchild") + added)
        imp.add("units_created", len(self.new_units))
        # Changes to known units are few: through the services, after the new units exist.
        for row, unit, changes, parent in self.changes:
            try:
                unit.refresh_from_db()
                if changes:
                    unit._change_reason = imp.reason
                    unit_services.unit_update(unit=unit, actor=imp.actor, **changes)
                if parent is not None:
                    parent.refresh_from_db()
                    unit_services.unit_move(unit=unit, new_parent=parent, actor=imp.actor)
            except ValidationError as error:
                self._validation_failed(row, error)
        imp.add("units_updated", len(self.changes))
        self._write_headcounts()

    def _write_headcounts(self):
        imp = self.importer
        year = timezone.localdate().year
        units = [unit for _row, unit, _members in self.headcounts]
        known = {h.unit_id: h for chunk in _chunks(units) for h in Headcount.objects.filter(unit__in=chunk, year=year)}
        to_create, to_update = [], []
        for row, unit, members in self.headcounts:
            headcount = known.get(unit.pk) or Headcount(year=year)
            headcount.unit = unit  # the loaded object: clean() reads it without a query
            before = headcount.members
            headcount.members = members
            try:
                headcount.clean()  # the model's rule (cells only); the rest holds by construction
            except ValidationError as error:
                for message in error.messages:
                    imp.error(self.sheet, row.number, self.spec.column("members"), members, message)
                continue
            if headcount.pk is None:
                to_create.append(headcount)
            elif before != members:  # unchanged rows are not rewritten, so they leave no history
                to_update.append(headcount)
        if not imp.result.errors:
            history = {"default_user": imp.actor, "default_change_reason": imp.reason}
            bulk_create_with_history(to_create, Headcount, batch_size=500, **history)
            bulk_update_with_history(to_update, Headcount, ["members"], batch_size=500, **history)
            imp.add("headcounts", len(to_create) + len(to_update))

    def _child_path(self, parent):
        """The path of a new last child of `parent` (None: a new root), as treebeard would give it."""
        key = parent.path if parent else ""
        if key not in self.next_step:
            if parent is None:
                last = Unit.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
            elif parent.pk is None or not parent.numchild:
                last = None
            else:
                last = (
                    Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
                    .order_by("-path")
                    .values_list("path", flat=True)
                    .first()
                )
            self.next_step[key] = Unit._str2int(last[-Unit.steplen :]) if last else 0
        self.next_step[key] += 1
        depth = parent.depth + 1 if parent else 1
        return Unit._get_path(key, depth, self.next_step[key]), depth

    def _in_tree_order(self, rows):
        """Parents before children, whatever the order of the sheet (Kahn's algorithm)."""
        children = defaultdict(list)
        ready = deque()
        for row in rows.values():
            if row.parent_code in rows and row.parent_code != row.code:
                children[row.parent_code].append(row)
            else:
                ready.append(row)
        done = set()
        while ready:
            row = ready.popleft()
            done.add(row.code)
            yield row
            ready.extend(children.pop(row.code, ()))
        for row in sorted((row for row in rows.values() if row.code not in done), key=lambda r: r.number):
            self.importer.failed_units[row.code] = row.number
            self.importer.error(
                self.sheet,
                row.number,
                self.spec.column("parent"),
                row.parent_code,
                _("Các đơn vị cấp trên tạo thành vòng lặp (đơn vị là cấp trên của chính nó)."),
            )

    def _import(self, row, existing):
        imp = self.importer
        parent_column = self.spec.column("parent")
        parent = None
        if row.parent_code:
            if row.parent_code == row.code:
                return self._fail(row, parent_column, row.parent_code, _("Đơn vị không thể là cấp trên của chính nó."))
            parent = existing.get(row.parent_code)
            if parent is None:
                imp.failed_units[row.code] = row.number
                return imp.unit_lookup_error(self.sheet, row.number, parent_column, row.parent_code)
        elif row.kind != UnitKind.PROVINCE:
            return self._fail(row, parent_column, "", _("Cần mã đơn vị cấp trên: chỉ Đảng bộ tỉnh đứng ở gốc cây."))
        unit = existing.get(row.code)
        grassroots_type = row.grassroots_type if row.kind in GRASSROOTS_KINDS else None
        try:
            if unit is None:
                if parent is None and not imp.may_create_root():
                    return self._fail(
                        row, parent_column, "", _("Cần mã đơn vị cấp trên: chỉ quản trị viên được tạo Đảng bộ tỉnh.")
                    )
                if parent is not None and not imp.may_edit(parent):
                    return self._scope(row, parent_column, row.parent_code)
                unit = self._new_unit(row, parent, grassroots_type)
                existing[row.code] = unit
            else:
                if not imp.may_edit(unit):
                    return self._scope(row, self.spec.column("code"), row.code)
                changes = {}
                if unit.name != row.name:
                    changes["name"] = row.name
                if unit.kind != row.kind:
                    changes["kind"] = row.kind
                if grassroots_type is not None and unit.grassroots_type != grassroots_type:
                    changes["grassroots_type"] = grassroots_type
                moved = parent is not None and parent.pk is not None and parent.path != unit.parent_path
                moved = moved or (parent is not None and parent.pk is None)
                if moved and not imp.may_edit(parent):
                    return self._scope(row, parent_column, row.parent_code)
                if changes or moved:
                    self.changes.append((row, unit, changes, parent if moved else None))
                else:
                    imp.add("units_unchanged")
        except ValidationError as error:
            self._validation_failed(row, error)
            return
        if row.members is not None:
            self.headcounts.append((row, unit, row.members))

    def _new_unit(self, row, parent, grassroots_type):
        """unit_create's rules without its per-unit queries: the code's uniqueness is settled by the
        batch lookup of codes, the path is computed here and the units are written in bulk."""
        unit = Unit(code=row.code, name=row.name, kind=row.kind, grassroots_type=grassroots_type or "")
        unit.validate_parent(parent)
        if not unit.is_grassroots:
            unit.grassroots_type = parent.grassroots_type if parent else ""
        unit.clean_fields(exclude=["path", "depth", "numchild"])
        unit.clean()
        unit.path, unit.depth = self._child_path(parent)
        unit.numchild = 0
        if parent is not None:
            if parent.pk is None:
                parent.numchild += 1  # written with it by bulk_create
            else:
                self.added_children[parent.pk] += 1
        self.new_units.append(unit)
        return unit

    _FIELD_COLUMNS = {
        "code": "code",
        "name": "name",
        "kind": "kind",
        "parent": "parent",
        "grassroots_type": "grassroots_type",
    }

    def _validation_failed(self, row, error):
        self.importer.failed_units[row.code] = row.number
        raw = {
            "code": row.code,
            "name": row.name,
            "kind": UnitKind(row.kind).label,
            "parent": row.parent_code,
            "grassroots_type": GrassrootsType(row.grassroots_type).label if row.grassroots_type else "",
        }
        for name, messages in error.message_dict.items():
            key = self._FIELD_COLUMNS.get(name)
            column = self.spec.column(key) if key else None
            for message in messages:
                self.importer.error(self.sheet, row.number, column, raw.get(key, ""), message)

    def _fail(self, row, column, value, message):
        self.importer.failed_units[row.code] = row.number
        self.importer.error(self.sheet, row.number, column, value, message)

    def _scope(self, row, column, value):
        self.importer.failed_units[row.code] = row.number
        self.importer.out_of_scope(self.sheet, row.number, column, value)


class _TargetStage:
    def __init__(self, importer, sheet):
        self.importer = importer
        self.sheet = sheet
        self.spec = sheet.spec

    def run(self):
        imp, sheet = self.importer, self.sheet
        parsed_rows = []
        for number, raw in sheet.rows:
            parsed = [
                _parse(imp, sheet, number, raw, "code", values.text, required=True),
                _parse(imp, sheet, number, raw, "period", values.period, required=True),
                _parse(imp, sheet, number, raw, "admissions", values.whole_number, required=True),
            ]
            if _BAD not in parsed:
                parsed_rows.append((number, raw, *parsed))
        units = {unit.code: unit for unit in Unit.objects.filter(code__in={row[2] for row in parsed_rows})}
        terms = {(term.start_year, term.end_year): term for term in Term.objects.all()}
        existing = {
            (target.unit_id, target.year, target.term_id): target
            for target in Target.objects.filter(unit__in=list(units.values()))
        }
        seen = {}
        to_create, to_update = [], []
        for number, raw, code, (year, term_years), admissions in parsed_rows:
            unit = units.get(code)
            if unit is None:
                imp.unit_lookup_error(sheet, number, self.spec.column("code"), code)
                continue
            if not imp.may_edit(unit):
                imp.out_of_scope(sheet, number, self.spec.column("code"), code)
                continue
            term = None
            if term_years:
                term = terms.get(term_years)
                if term is None:
                    term = self._create_term(number, raw, term_years)
                    if term is None:
                        continue
                    terms[term_years] = term
            key = (unit.pk, year, term.pk if term else None)
            if key in seen:
                imp.error(
                    sheet,
                    number,
                    self.spec.column("period"),
                    raw["period"],
                    _("Đơn vị “%(code)s” đã có chỉ tiêu kỳ này ở dòng %(row)d.") % {"code": code, "row": seen[key]},
                )
                continue
            seen[key] = number
            target = existing.get(key)
            if target is None:
                to_create.append(Target(unit=unit, year=year, term=term, admissions=admissions))
            elif target.admissions != admissions:
                target.admissions = admissions
                target.version += 1  # as Target.save() would: a form opened before the import is now stale
                to_update.append(target)
            else:
                imp.add("targets_unchanged")
        # The rules of Target (one period, unique per unit and period, a whole number) hold by construction.
        history = {"default_user": imp.actor, "default_change_reason": imp.reason}
        bulk_create_with_history(to_create, Target, batch_size=500, **history)
        bulk_update_with_history(to_update, Target, ["admissions", "version"], batch_size=500, **history)
        imp.add("targets_created", len(to_create))
        imp.add("targets_updated", len(to_update))

    def _create_term(self, number, raw, years):
        term = Term(start_year=years[0], end_year=years[1])
        term._history_user, term._change_reason = self.importer.actor, self.importer.reason
        try:
            term.full_clean()
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    self.importer.error(self.sheet, number, self.spec.column("period"), raw["period"], message)
            return None
        term.save()
        self.importer.add("terms_created")
        return term


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _update_rows(model, objects, names):
    """UPDATE each object's `names` with one prepared statement run for every row.

    Django's bulk_update builds CASE WHEN ... over each batch, which SQLite evaluates row by row
    against every branch: 16,000 people took minutes. executemany takes seconds on both databases.
    """
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        quote(model._meta.pk.column),
    )
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 2000):
            cursor.executemany(sql, chunk)


class _People:
    """Parsers for the people sheet, built once per import (reference data in two queries)."""

    def __init__(self):
        self.ethnicities = {e.key: e for e in Ethnicity.objects.all()}
        self.religions = {r.key: r for r in Religion.objects.all()}
        self.majority = self.ethnicities.get(match_key(MAJORITY_ETHNICITY))
        self.gender = values.Choices(Gender)
        self.occupation = values.Choices(Occupation)
        self.education = values.Choices(Education)
        self.no_religion = {match_key(word) for word in ("không", "không có", "không theo tôn giáo", "-")}

    def ethnicity(self, value):
        if values.is_blank(value):
            return None
        found = self.ethnicities.get(match_key(values.text(value)))
        if found is None:
            raise ValueError(_("Không có dân tộc này trong danh mục 54 dân tộc."))
        return found

    def religion(self, value):
        if values.is_blank(value) or match_key(values.text(value)) in self.no_religion:
            return None
        found = self.religions.get(match_key(values.text(value)))
        if found is None:
            raise ValueError(
                _("Không có tôn giáo này trong danh mục; để trống hoặc ghi “Không” nếu không theo tôn giáo.")
            )
        return found


# Columns of the people sheet -> model fields, other than the four looked up specially.
_DATE_KEYS = (
    "date_of_birth",
    "listed_on",
    "course_date",
    "resolution_date",
    "decision_date",
    "ceremony_date",
    "recognition_date",
)
# Fields the sheet can change; a column absent from the file leaves its field as it was.
_WRITABLE = (
    "full_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "religion",
    "occupation",
    "education",
    "youth_union_member",
    "citizen_id",
    "cell",
    "listed_on",
    "course_date",
    "resolution_date",
    "decision_date",
    "decision_no",
    "ceremony_date",
    "recognition_date",
)


def _attname(name):
    return f"{name}_id" if name in ("ethnicity", "religion", "cell") else name


# Blank keeps what a known person has: a required field with a default for new people, and the
# citizen ID, which identifies the person and is not erased by a sheet that lacks it.
_KEPT_WHEN_BLANK = ("ethnicity", "occupation", "citizen_id")


class _PeopleStage:
    def __init__(self, importer, sheet):
        self.importer = importer
        self.sheet = sheet
        self.spec = sheet.spec
        self.people = _People()
        self.closed_index = ClosedQuarterIndex()  # closed quarters, loaded once for every row

    def _parsers(self):
        people = self.people
        parsers = {
            "cell": (values.text, True),
            "full_name": (values.text, True),
            "date_of_birth": (values.date, True),
            "gender": (people.gender, True),
            "ethnicity": (people.ethnicity, False),
            "religion": (people.religion, False),
            "occupation": (people.occupation, False),
            "education": (people.education, False),
            "youth_union_member": (values.boolean, False),
            "citizen_id": (values.citizen_id, False),
            "decision_no": (values.text, False),
        }
        for key in _DATE_KEYS:
            parsers.setdefault(key, (values.date, False))
        return parsers

    def run(self):
        imp, sheet = self.importer, self.sheet
        parsers = self._parsers()
        present = [key for key in parsers if key in sheet.present]
        parsed_rows, bad_rows = [], []
        for number, raw in sheet.rows:
            row, bad = {}, False
            for key in present:
                parser, required = parsers[key]
                value = _parse(imp, sheet, number, raw, key, parser, required=required)
                bad = bad or value is _BAD
                row[key] = value
            if not bad:
                parsed_rows.append((number, raw, row))
            elif row.get("cell") not in (_BAD, ""):
                bad_rows.append((number, row))  # its cell is still checked, so every error shows at once

        self.cells = cells = {}
        for chunk in _chunks(
            {row["cell"] for _number, _raw, row in parsed_rows} | {row["cell"] for _n, row in bad_rows}
        ):
            cells.update((unit.code, unit) for unit in Unit.objects.filter(code__in=chunk))
        for number, row in bad_rows:
            self._cell(number, row)
        by_citizen_id = {}
        for chunk in _chunks({row["citizen_id"] for _n, _r, row in parsed_rows if row.get("citizen_id")}):
            for person in Candidate.objects.filter(citizen_id__in=chunk).select_related("cell"):
                by_citizen_id[person.citizen_id] = person
        by_identity = defaultdict(list)
        cells_by_id = {unit.pk: unit for unit in cells.values()}
        for chunk in _chunks(cells_by_id):
            for person in Candidate.objects.filter(cell_id__in=chunk):
                person.cell = cells_by_id[person.cell_id]
                by_identity[(person.cell_id, " ".join(person.full_name.split()), person.date_of_birth)].append(person)

        now = timezone.now()
        checking = time.perf_counter()
        to_create, to_update = [], []
        claimed, seen_ids, seen_identities = {}, {}, {}
        total = len(parsed_rows) or 1
        for index, (number, raw, row) in enumerate(parsed_rows):
            if index % PROGRESS_EVERY == 0:
                imp.report(20 + int(70 * index / total))
            cell = self._cell(number, row)
            if cell is None:
                continue
            citizen_id = row.get("citizen_id")
            identity = (cell.pk, row["full_name"], row["date_of_birth"])
            if citizen_id and citizen_id in seen_ids:
                imp.error(
                    sheet,
                    number,
                    self.spec.column("citizen_id"),
                    citizen_id,
                    _("Số CCCD trùng với dòng %(row)d.") % {"row": seen_ids[citizen_id]},
                )
                continue
            if identity in seen_identities:
                imp.error(
                    sheet,
                    number,
                    self.spec.column("full_name"),
                    row["full_name"],
                    _("Trùng người ở dòng %(row)d (cùng chi bộ, họ tên và ngày sinh).")
                    % {"row": seen_identities[identity]},
                )
                continue
            person = by_citizen_id.get(citizen_id) if citizen_id else None
            if person is None:
                person = next(
                    (
                        p
                        for p in by_identity.get(identity, ())
                        if (not citizen_id or p.citizen_id in (None, citizen_id)) and p.pk not in claimed
                    ),
                    None,
                )
            if person is not None and person.pk in claimed:
                imp.error(
                    sheet,
                    number,
                    self.spec.column("full_name"),
                    row["full_name"],
                    _("Người này đã có ở dòng %(row)d.") % {"row": claimed[person.pk]},
                )
                continue
            if person is not None and not imp.may_edit(person.cell):
                imp.error(
                    sheet,
                    number,
                    self.spec.column("citizen_id"),
                    citizen_id,
                    _("Số CCCD này thuộc một người ở đơn vị ngoài phạm vi của bạn."),
                )
                continue
            if citizen_id:
                seen_ids[citizen_id] = number
            seen_identities[identity] = number
            candidate, before = self._build(person, cell, row)
            if not self._valid(number, raw, candidate):
                continue
            if person is None:
                to_create.append(candidate)
            else:
                claimed[person.pk] = number
                if any(getattr(candidate, _attname(name)) != value for name, value in before.items()):
                    candidate.updated_at = now
                    candidate.version += 1  # as Candidate.save() would: open forms are now stale
                    to_update.append(candidate)
                else:
                    imp.add("people_unchanged")
            if candidate.is_incomplete:
                imp.add("people_incomplete")

        imp.result.timings["people_check"] = time.perf_counter() - checking
        if imp.result.errors:
            return  # all will be rolled back: save the writes
        for candidate in (*to_create, *to_update):
            candidate.refresh_derived()
        history = {"default_user": imp.actor, "default_change_reason": imp.reason}
        bulk_create_with_history(to_create, Candidate, batch_size=1000, **history)
        fields = [name for name in _WRITABLE if name in self.sheet.present or name in _KEPT_WHEN_BLANK]
        fields += ["search_name", "name_sort_key", "updated_at", "updated_by", "version"]
        # One prepared UPDATE per row (bulk_update's CASE WHEN took minutes on SQLite), then the
        # history rows as simple-history's bulk_update_with_history would write them.
        _update_rows(Candidate, to_update, fields)
        Candidate.history.bulk_history_create(to_update, batch_size=500, update=True, **history)
        imp.add("people_created", len(to_create))
        imp.add("people_updated", len(to_update))

    def _cell(self, number, row):
        """The row's cell, or None after recording why it cannot be used."""
        imp, code = self.importer, row["cell"]
        column = self.spec.column("cell")
        cell = self.cells.get(code)
        if cell is None:
            imp.unit_lookup_error(self.sheet, number, column, code, cell=True)
        elif not cell.is_cell:
            imp.error(
                self.sheet,
                number,
                column,
                code,
                _("“%(code)s” là %(kind)s, không phải chi bộ: quần chúng phải thuộc một chi bộ hoặc chi bộ cơ sở.")
                % {"code": code, "kind": cell.get_kind_display()},
            )
        elif not imp.may_edit(cell):
            imp.out_of_scope(self.sheet, number, column, code)
        else:
            return cell
        return None

    def _build(self, person, cell, row):
        """The candidate the row describes, and the values a known person had before it."""
        actor = self.importer.actor
        if person is None:
            candidate = Candidate(created_by=actor, ethnicity=self.people.majority, occupation=Occupation.OTHER)
            before = {}
        else:
            candidate = person
            before = {name: getattr(person, _attname(name)) for name in _WRITABLE}
        candidate.cell = cell
        candidate.updated_by = actor
        candidate._closed_index = self.closed_index
        for key, value in row.items():
            if key == "cell":
                continue
            if key in _KEPT_WHEN_BLANK and not value:
                continue  # blank: the default for a new person, unchanged for a known one
            setattr(candidate, key, value)
        return candidate, before

    _NO_DB_CHECK = ["cell", "ethnicity", "religion", "created_by", "updated_by"]

    def _valid(self, number, raw, candidate):
        """full_clean() without its per-row queries: the foreign keys were looked up from the database
        in batches, and citizen-ID uniqueness is settled by the matching above."""
        errors = {}
        for check in (lambda: candidate.clean_fields(exclude=self._NO_DB_CHECK), candidate.clean):
            try:
                check()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(name, []).extend(messages)
        for name, messages in errors.items():
            column = next((c for c in self.spec.columns if c.key == name), None)
            if column is not None:
                value = raw.get(name)
            else:
                value = getattr(candidate, name, "") if name != NON_FIELD_ERRORS else ""
            for message in messages:
                self.importer.result.errors.append(
                    RowError(
                        self.sheet.title,
                        number,
                        column.header if column else self._label(name),
                        show_value(value),
                        str(message),
                    )
                )
        return not errors

    @staticmethod
    def _label(name):
        if name == NON_FIELD_ERRORS:
            return ""
        return str(Candidate._meta.get_field(name).verbose_name).capitalize()
