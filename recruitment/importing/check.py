"""Checking: each parsed row against the browser's rules and the scope of the user who imports.

The rules are the models' and services' own, run without a query per row:
- a new unit: `Unit.validate_parent()`, `clean_fields()` and `clean()` (what `unit_create` runs), its
  code's uniqueness settled by one batched lookup of the sheet's codes;
- a target: one per unit and period, a term that does not overlap another (`Term.full_clean()`);
- a headcount: `Headcount.clean()`, against the units as written; any unit may carry its own count;
- a person: `candidate_save_record`'s rules, i.e. the scope, then `clean_fields()` and `clean()` (every
  rule of recruitment.pipeline) — `full_clean()` minus its per-row queries: the cell, ethnicity,
  religion and closed quarters come from batched lookups, and the citizen ID's uniqueness is settled
  by matching every ID in the sheet against the database first; and, for a person not yet admitted,
  each step as the page records it (a course with its certificate number).
Scope is `job.may_change(unit)` (units.permissions), asked of every unit a row would change. What is
outside the scope reads exactly as what is nowhere (units.permissions' rule for every page): a unit
code outside it gets the message of an unknown code, a citizen ID of someone outside it is not
matched (the row is a new person, which the database's uniqueness refuses, neutrally, when written).

A failure is recorded as an error naming the sheet, row, column and value, and checking goes on, so
one pass lists every error. Each row's outcome (created, updated with old -> new, unchanged) goes to
the job's preview. What passes is returned as a plan for write.py. A unit row that fails is
remembered by its code, so that the rows depending on that unit say where it failed.
"""

from collections import defaultdict, deque
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from units import paths
from units.closing import ClosedQuarterIndex
from units.formatting import mask_citizen_id
from units.models import GRASSROOTS_KINDS, GrassrootsType, Headcount, Target, Term, Unit, UnitKind

from .. import pipeline
from ..models import Candidate, Occupation
from ..services import PROFILE_FIELDS
from . import preview
from .errors import RowError, show_value
from .parse import BAD
from .workbook import PEOPLE

CHUNK = 900  # ids per IN (...) list: under SQLite's old 999-variable limit
PROGRESS_EVERY = 500


def chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unknown_unit(job, sheet, number, column, code, *, cell=False):
    """Why a unit code cannot be used: its row failed earlier in this file, or it is nowhere."""
    if code in job.failed_units:
        message = _("Đơn vị “%(code)s” có lỗi ở trang “Đơn vị”, dòng %(row)d.") % {
            "code": code,
            "row": job.failed_units[code],
        }
    elif cell:
        message = _("Không có chi bộ mã “%(code)s” trong tệp hay trong hệ thống.") % {"code": code}
    else:
        message = _("Không có đơn vị mã “%(code)s” trong tệp hay trong hệ thống.") % {"code": code}
    job.error(sheet, number, column, code, message)


def out_of_scope(job, sheet, number, column, code, *, cell=False):
    """A unit outside the user's scope reads exactly as a unit that is nowhere: the same message, the
    same behaviour, so that an import never tells whether a code exists elsewhere."""
    unknown_unit(job, sheet, number, column, code, cell=cell)


# --- Đơn vị ---


@dataclass
class UnitRow:
    number: int
    code: str
    name: str
    kind: str
    parent_code: str
    grassroots_type: str
    members: int | None


@dataclass
class UnitPlan:
    new: list = field(default_factory=list)  # (unit, parent) in tree order, each unit with its path
    changes: list = field(default_factory=list)  # (row, known unit, {field: value}, new parent or None)
    headcounts: list = field(default_factory=list)  # (row, unit, members), checked once units are written


def units(job, sheet, rows):
    """The units sheet: new units placed in the tree (parents first, whatever the sheet's order) and
    checked; changes to known units listed for the services, which check them as they write."""
    by_code = _distinct_units(job, sheet, rows)
    codes = set(by_code) | {row.parent_code for row in by_code.values() if row.parent_code}
    existing = {}  # the units of the user's scope: one outside it reads exactly as one that is nowhere
    for chunk in chunks(codes):
        existing.update((unit.code, unit) for unit in Unit.objects.filter(code__in=chunk) if job.may_change(unit))
    plan, next_step = UnitPlan(), {}
    view = job.preview.of(sheet)
    moved_from = []  # (row number, old parent's path, new parent's code) of the rows shown that move a unit
    for row in _in_tree_order(job, sheet, by_code):
        _check_unit(job, sheet, row, existing, plan, next_step)
    for row, unit, changes, parent in plan.changes:
        shown = []
        if view.shows(row.number):
            shown = [
                (sheet.spec.column(name).header, _unit_value(name, getattr(unit, name)), _unit_value(name, value))
                for name, value in changes.items()
            ]
            if parent is not None:
                moved_from.append((row.number, unit.parent_path, parent.code))
        view.row(row.number, preview.UPDATED, _unit_label(row), shown)
    if moved_from:  # the old parents' codes, in one query for the rows shown
        codes = dict(Unit.objects.filter(path__in={path for _n, path, _c in moved_from}).values_list("path", "code"))
        for number, path, code in moved_from:
            view.change(number, sheet.spec.column("parent").header, codes.get(path, ""), code)
    return plan


def _unit_label(row):
    return f"{row.code} · {row.name}"


def _unit_value(name, value):
    """A unit's field as people read it: the label of its kind or grassroots type."""
    if name == "kind" and value:
        return str(UnitKind(value).label)
    if name == "grassroots_type" and value:
        return str(GrassrootsType(value).label)
    return preview.show(value)


def _distinct_units(job, sheet, rows):
    """{code: UnitRow} of the rows that parsed, each code once (a repeated code is an error)."""
    by_code, first_row = {}, {}
    for row in rows:
        code = row.values["code"]
        if code is not BAD and code in first_row:
            job.error(
                sheet,
                row.number,
                sheet.spec.column("code"),
                code,
                _("Mã đơn vị trùng với dòng %(row)d.") % {"row": first_row[code]},
            )
            continue
        if code is not BAD:
            first_row[code] = row.number
        if not row.ok:
            if code is not BAD:
                job.failed_units[code] = row.number
            continue
        got = row.values
        by_code[code] = UnitRow(
            row.number, code, got["name"], got["kind"], got["parent"], got["grassroots_type"], got["members"]
        )
    return by_code


def _in_tree_order(job, sheet, rows):
    """Parents before children, whatever the order of the sheet (Kahn's algorithm); rows left over
    form a cycle."""
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
        _unit_failed(
            job,
            sheet,
            row,
            sheet.spec.column("parent"),
            row.parent_code,
            _("Các đơn vị cấp trên tạo thành vòng lặp (đơn vị là cấp trên của chính nó)."),
        )


def _check_unit(job, sheet, row, existing, plan, next_step):
    parent_column = sheet.spec.column("parent")
    parent = None
    if row.parent_code:
        if row.parent_code == row.code:
            return _unit_failed(
                job, sheet, row, parent_column, row.parent_code, _("Đơn vị không thể là cấp trên của chính nó.")
            )
        parent = existing.get(row.parent_code)
        if parent is None:
            job.failed_units[row.code] = row.number
            return unknown_unit(job, sheet, row.number, parent_column, row.parent_code)
        if getattr(parent, "ended_on", None) is not None:
            # A unit that ended (dissolved, merged) holds nothing new: its successor does.
            return _unit_failed(
                job,
                sheet,
                row,
                parent_column,
                row.parent_code,
                _("Đơn vị cấp trên đã kết thúc hoạt động từ %(date)s; hãy ghi đơn vị kế tục.")
                % {"date": parent.ended_on.strftime("%d/%m/%Y")},
            )
    elif row.kind != UnitKind.PROVINCE:
        return _unit_failed(
            job, sheet, row, parent_column, "", _("Cần mã đơn vị cấp trên: chỉ Đảng bộ tỉnh đứng ở gốc cây.")
        )
    unit = existing.get(row.code)
    grassroots_type = row.grassroots_type if row.kind in GRASSROOTS_KINDS else None
    try:
        if unit is None:
            if parent is None and not job.may_change(None):
                return _unit_failed(
                    job,
                    sheet,
                    row,
                    parent_column,
                    "",
                    _("Cần mã đơn vị cấp trên: chỉ quản trị viên được tạo Đảng bộ tỉnh."),
                )
            if parent is not None and not job.may_change(parent):
                return _unit_out_of_scope(job, sheet, row, parent_column, row.parent_code)
            unit = _new_unit(row, parent, grassroots_type, next_step)
            plan.new.append((unit, parent))
            existing[row.code] = unit
            _unit_created(job, sheet, row, unit)
        else:
            if not job.may_change(unit):
                return _unit_out_of_scope(job, sheet, row, sheet.spec.column("code"), row.code)
            changes = {}
            if unit.name != row.name:
                changes["name"] = row.name
            if unit.kind != row.kind:
                changes["kind"] = row.kind
            if grassroots_type is not None and unit.grassroots_type != grassroots_type:
                changes["grassroots_type"] = grassroots_type
            moved = parent is not None and parent.pk is not None and parent.path != unit.parent_path
            moved = moved or (parent is not None and parent.pk is None)
            if moved and not job.may_change(parent):
                return _unit_out_of_scope(job, sheet, row, parent_column, row.parent_code)
            if changes or moved:
                plan.changes.append((row, unit, changes, parent if moved else None))
            else:
                job.add("units_unchanged")
                job.preview.of(sheet).row(row.number, preview.UNCHANGED, _unit_label(row))
    except ValidationError as error:
        unit_refused(job, sheet, row, error)
        return
    if row.members is not None:
        plan.headcounts.append((row, unit, row.members))


def _unit_created(job, sheet, row, unit):
    view = job.preview.of(sheet)
    shown = []
    if view.shows(row.number):
        fields = (  # the code and name are the row's label
            ("kind", unit.kind),
            ("parent", row.parent_code),
            ("grassroots_type", unit.grassroots_type if unit.is_grassroots else ""),
            ("members", row.members),
        )
        shown = [
            (sheet.spec.column(name).header, None, _unit_value(name, value))
            for name, value in fields
            if value not in (None, "")
        ]
    view.row(row.number, preview.CREATED, _unit_label(row), shown)


def _new_unit(row, parent, grassroots_type, next_step):
    """unit_create's rules without its per-unit queries (the code's uniqueness is settled by the batched
    lookup of codes), and the unit's place in the tree: scope is a path prefix, so a unit under a new
    parent is asked about with the path it will be written with."""
    unit = Unit(code=row.code, name=row.name, kind=row.kind, grassroots_type=grassroots_type or "")
    unit.validate_parent(parent)
    if not unit.is_grassroots:
        unit.grassroots_type = parent.grassroots_type if parent else ""
    unit.clean_fields(exclude=["path", "depth", "numchild"])
    unit.clean()
    _place(unit, parent, next_step)
    return unit


def _place(unit, parent, next_step):
    """Give a new unit the path treebeard gives a new last child of `parent` (None: a new root).

    `next_step` holds, per parent path, the step number last handed out: the last child's is read
    from the database once per parent that already has children."""
    key = parent.path if parent else ""
    if key not in next_step:
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
        next_step[key] = paths.step_number(last) if last else 0
    next_step[key] += 1
    unit.path = paths.child_path(key, next_step[key])
    unit.depth = parent.depth + 1 if parent else 1


_UNIT_FIELD_COLUMNS = {
    "code": "code",
    "name": "name",
    "kind": "kind",
    "parent": "parent",
    "grassroots_type": "grassroots_type",
}


def unit_refused(job, sheet, row, error):
    """Record a unit row refused by the model's or a service's rules, each message on its column."""
    job.failed_units[row.code] = row.number
    raw = {
        "code": row.code,
        "name": row.name,
        "kind": UnitKind(row.kind).label,
        "parent": row.parent_code,
        "grassroots_type": GrassrootsType(row.grassroots_type).label if row.grassroots_type else "",
    }
    for name, messages in error.message_dict.items():
        key = _UNIT_FIELD_COLUMNS.get(name)
        column = sheet.spec.column(key) if key else None
        for message in messages:
            job.error(sheet, row.number, column, raw.get(key, ""), message)


def _unit_failed(job, sheet, row, column, value, message):
    job.failed_units[row.code] = row.number
    job.error(sheet, row.number, column, value, message)


def _unit_out_of_scope(job, sheet, row, column, value):
    job.failed_units[row.code] = row.number
    out_of_scope(job, sheet, row.number, column, value)


def headcounts(job, sheet, rows):
    """This year's members of each unit row that gives them: (new, changed) Headcounts.

    Any unit may carry its own figure (a province or committee reports its total; a cell knows its
    own); the reports take a unit's own figure, else the sum of those below it. Run once the units
    are written: the rule reads the unit as written (a row may have just changed its kind), and new
    units need their ids for the lookup of known headcounts."""
    year = timezone.localdate().year
    units = [unit for _row, unit, _members in rows]
    known = {h.unit_id: h for chunk in chunks(units) for h in Headcount.objects.filter(unit__in=chunk, year=year)}
    view = job.preview.of(sheet)
    column = sheet.spec.column("members")
    new, changed = [], []
    for row, unit, members in rows:
        headcount = known.get(unit.pk) or Headcount(year=year)
        headcount.unit = unit  # the loaded object: clean() reads it without a query
        before = headcount.members
        headcount.members = members
        try:
            headcount.clean()  # the model's rules; the rest hold by construction
        except ValidationError as error:
            for message in error.messages:
                job.error(sheet, row.number, column, members, message)
            continue
        if headcount.pk is None:
            new.append(headcount)
        elif before != members:  # unchanged rows are not rewritten, so they leave no history
            changed.append(headcount)
        else:
            continue
        if view.kind_of.get(row.number) != preview.CREATED:  # a new unit shows its members already
            view.change(row.number, column.header, preview.show(before), preview.show(members))
    return new, changed


# --- Chỉ tiêu ---


@dataclass
class TargetPlan:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)  # known targets with their new admissions set


def targets(job, sheet, rows, *, create_term):
    """The targets sheet: one target per unit and period, within the user's scope.

    A period naming a term that does not exist yet creates it through `create_term(job, term)` as
    soon as it is checked, so that the next new term is checked against it (terms may not overlap)
    and later rows of the same term find it; only a superuser or a province's staff may create one
    (ImportJob.may_create_term), anyone else's row naming an unknown term is refused. The rules of
    Target (one period, unique per unit and period, a whole number) hold by construction."""
    rows = [row for row in rows if row.ok]
    units = {unit.code: unit for unit in Unit.objects.filter(code__in={row.values["code"] for row in rows})}
    terms = {(term.start_year, term.end_year): term for term in Term.objects.all()}
    existing = {
        (target.unit_id, target.year, target.term_id): target
        for target in Target.objects.filter(unit__in=list(units.values()))
    }
    code_column, period_column = sheet.spec.column("code"), sheet.spec.column("period")
    admissions_header = sheet.spec.column("admissions").header
    view = job.preview.of(sheet)
    plan, seen = TargetPlan(), {}
    for row in rows:
        code, (year, term_years), admissions = row.values["code"], row.values["period"], row.values["admissions"]
        unit = units.get(code)
        if unit is None or not job.may_change(unit):  # outside the scope reads as nowhere
            unknown_unit(job, sheet, row.number, code_column, code)
            continue
        term = None
        if term_years:
            term = terms.get(term_years)
            if term is None:
                term = _new_term(job, sheet, row, term_years, create_term)
                if term is None:
                    continue
                terms[term_years] = term
        key = (unit.pk, year, term.pk if term else None)
        if key in seen:
            job.error(
                sheet,
                row.number,
                period_column,
                row.raw["period"],
                _("Đơn vị “%(code)s” đã có chỉ tiêu kỳ này ở dòng %(row)d.") % {"code": code, "row": seen[key]},
            )
            continue
        seen[key] = row.number
        target = existing.get(key)
        label = f"{code} · {year or f'{term_years[0]}–{term_years[1]}'}"
        if target is None:
            plan.new.append(Target(unit=unit, year=year, term=term, admissions=admissions))
            view.row(row.number, preview.CREATED, label, [(admissions_header, None, preview.show(admissions))])
        elif target.admissions != admissions:
            change = (admissions_header, preview.show(target.admissions), preview.show(admissions))
            target.admissions = admissions
            plan.changed.append(target)
            view.row(row.number, preview.UPDATED, label, [change])
        else:
            job.add("targets_unchanged")
            view.row(row.number, preview.UNCHANGED, label)
    job.add("targets_created", len(plan.new))
    job.add("targets_updated", len(plan.changed))
    return plan


def _new_term(job, sheet, row, years, create_term):
    if not job.may_create_term():
        job.error(
            sheet,
            row.number,
            sheet.spec.column("period"),
            row.raw["period"],
            _(
                "Nhiệm kỳ %(start)d–%(end)d chưa có trong hệ thống. Nhiệm kỳ dùng chung cho cả tỉnh: chỉ quản trị "
                "viên hoặc cán bộ Ban Tổ chức cấp tỉnh được tạo nhiệm kỳ mới; hãy đề nghị cấp tỉnh tạo trước rồi "
                "nhập lại."
            )
            % {"start": years[0], "end": years[1]},
        )
        return None
    term = Term(start_year=years[0], end_year=years[1])
    try:
        term.full_clean()
    except ValidationError as error:
        for messages in error.message_dict.values():
            for message in messages:
                job.error(sheet, row.number, sheet.spec.column("period"), row.raw["period"], message)
        return None
    create_term(job, term)
    return term


# --- Quần chúng ---

# Fields the people sheet can change (each a column of the sheet); a column absent from the file leaves
# its field as it was.
WRITABLE = tuple(
    name
    for name in dict.fromkeys(
        (
            *PROFILE_FIELDS,
            "listed_on",
            "mentor_name",
            "course_certificate_no",
            "course_date",
            "application_date",
            "introducing_organisation",
            "introducer_1",
            "introducer_2",
            "resolution_date",
            "age_exception",
            "decision_date",
            "decision_no",
            "decision_issuer",
            "ceremony_date",
            "new_member_course_date",
            "recognition_no",
            "recognition_date",
            "former_admission_date",
            "former_official_date",
            "former_exit_date",
            "former_exit",
            "former_readmitted",
        )
    )
    if name in {column.key for column in PEOPLE.columns}
)
# Blank keeps what a known person has: a required field with a default for new people, and the
# citizen ID, which identifies the person and is not erased by a sheet that lacks it.
KEPT_WHEN_BLANK = ("ethnicity", "occupation", "citizen_id")
# Foreign keys full_clean() would look up row by row; they come from the batched lookups instead.
_NO_DB_CHECK = ["cell", "ethnicity", "religion", "created_by", "updated_by"]


def _attname(name):
    return f"{name}_id" if name in ("ethnicity", "religion", "cell") else name


@dataclass
class PeoplePlan:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)  # known people with the sheet's values set
    fields: list = field(default_factory=list)  # what the sheet writes of a known person


def people(job, sheet, rows, *, columns):
    """The people sheet: each row matched to a known person (by citizen ID, else by cell, name and
    date of birth) or new, then checked as `candidate_save_record` checks a record. `columns` is the
    sheet's parse.PeopleColumns: its reference lists, and `majority`, a new person's ethnicity when
    the row has none."""
    majority = columns.majority
    good = [row for row in rows if row.ok]
    bad = [row for row in rows if not row.ok and row.values.get("cell") not in (BAD, "")]

    cells = {}  # the units of the user's scope: a code outside it reads exactly as one that is nowhere
    for chunk in chunks({row.values["cell"] for row in good} | {row.values["cell"] for row in bad}):
        cells.update((unit.code, unit) for unit in Unit.objects.filter(code__in=chunk) if job.may_change(unit))
    for row in bad:  # its cell is still checked, so every error of the row shows at once
        _cell(job, sheet, cells, row)
    # The people of the sheet's cells, read once: matched by cell, name and birth date, or by citizen
    # ID; then those whose citizen ID the sheet gives from another cell (a move).
    by_citizen_id, by_identity = {}, defaultdict(list)
    cells_by_id = {unit.pk: unit for unit in cells.values()}
    for chunk in chunks(cells_by_id):
        for person in Candidate.objects.filter(cell_id__in=chunk):
            person.cell = cells_by_id[person.cell_id]
            by_identity[(person.cell_id, " ".join(person.full_name.split()), person.date_of_birth)].append(person)
            if person.citizen_id:
                by_citizen_id[person.citizen_id] = person
    elsewhere = {row.values["citizen_id"] for row in good if row.values.get("citizen_id")} - set(by_citizen_id)
    for chunk in chunks(elsewhere):
        for person in Candidate.objects.filter(citizen_id__in=chunk).select_related("cell"):
            # Someone outside the user's scope is not matched: the row reads as a new person, exactly
            # as with an ID that is nowhere, and the database's uniqueness refuses it when it is
            # written, with the importer's neutral message (nothing says the ID exists elsewhere).
            if job.may_change(person.cell):
                by_citizen_id[person.citizen_id] = person
    closed_index = ClosedQuarterIndex()  # closed quarters, loaded once for every row
    view = job.preview.of(sheet)
    shown = _PersonShown(sheet, columns)

    plan = PeoplePlan(fields=[name for name in WRITABLE if name in sheet.present or name in KEPT_WHEN_BLANK])
    claimed, seen_ids, seen_identities = {}, {}, {}
    total = len(good) or 1
    for index, row in enumerate(good):
        if index % PROGRESS_EVERY == 0:
            job.report(20 + int(70 * index / total))
        cell = _cell(job, sheet, cells, row)
        if cell is None:
            continue
        got = row.values
        citizen_id = got.get("citizen_id")
        identity = (cell.pk, got["full_name"], got["date_of_birth"])
        if citizen_id and citizen_id in seen_ids:
            job.error(
                sheet,
                row.number,
                sheet.spec.column("citizen_id"),
                citizen_id,
                _("Số CCCD trùng với dòng %(row)d.") % {"row": seen_ids[citizen_id]},
            )
            continue
        if identity in seen_identities:
            job.error(
                sheet,
                row.number,
                sheet.spec.column("full_name"),
                got["full_name"],
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
            job.error(
                sheet,
                row.number,
                sheet.spec.column("full_name"),
                got["full_name"],
                _("Người này đã có ở dòng %(row)d.") % {"row": claimed[person.pk]},
            )
            continue
        if citizen_id:
            seen_ids[citizen_id] = row.number
        seen_identities[identity] = row.number
        old_cell = person.cell if person is not None else None
        candidate, before = _build(job, person, cell, got, majority, closed_index)
        valid = _valid(job, sheet, row, candidate)
        if not (_steps_as_the_page_records_them(job, sheet, row, candidate) and valid):
            continue
        label = f"{candidate.full_name} · {cell.code}"
        details = view.shows(row.number)
        notes = shown.notes(candidate) if details else ()
        if person is None:
            plan.new.append(candidate)
            view.row(row.number, preview.CREATED, label, shown.created(candidate) if details else (), notes)
        else:
            claimed[person.pk] = row.number
            if any(getattr(candidate, _attname(name)) != value for name, value in before.items()):
                plan.changed.append(candidate)
                changes = shown.changes(candidate, before, old_cell, plan.fields) if details else ()
                view.row(row.number, preview.UPDATED, label, changes, notes)
            else:
                job.add("people_unchanged")
                view.row(row.number, preview.UNCHANGED, label, (), notes)
        if candidate.is_incomplete:
            job.add("people_incomplete")
    return plan


def _steps_as_the_page_records_them(job, sheet, row, candidate):
    """A person still in the pipeline (not admitted, not gone) has each step the way the page records
    it: a course needs its certificate number as well as its date. A historic admission is taken
    with what it has, and its missing steps flag it (its preview row says which)."""
    if candidate.decision_date or candidate.exit_date:
        return True
    step = pipeline.get_step(pipeline.StepKind.COURSE)
    if not getattr(candidate, step.date_field):
        return True
    missing = [name for name in step.required if not getattr(candidate, name)]
    for name in missing:
        job.error(
            sheet,
            row.number,
            sheet.spec.column(name),
            "",
            _(
                "Đã có ngày cấp giấy chứng nhận bồi dưỡng thì phải ghi số giấy chứng nhận, như khi ghi bước này "
                "trên trang (chỉ người đã có quyết định kết nạp mới được nhận khi thiếu, và được đánh dấu để bổ sung)."
            ),
        )
    return not missing


class _PersonShown:
    """A person's fields as the preview shows them: the sheet's column names, labels of fixed values,
    names of reference entries, the citizen ID masked as in the history."""

    def __init__(self, sheet, columns):
        self.headers = {name: sheet.spec.column(name).header for name in WRITABLE}
        self.names = {
            "ethnicity": {entry.pk: entry.name for entry in columns.ethnicities.values()},
            "religion": {entry.pk: entry.name for entry in columns.religions.values()},
        }
        self.labels = {}
        for name in WRITABLE:
            field = Candidate._meta.get_field(name)
            if field.choices:
                self.labels[name] = {value: str(label) for value, label in field.flatchoices}

    def value(self, name, value):
        if value is None or value == "":
            return ""
        if name in self.names:
            return self.names[name].get(value, "") if isinstance(value, int) else str(value)
        if name == "cell":
            return value.code
        if name == "citizen_id":
            return mask_citizen_id(value)
        if name in self.labels:
            return self.labels[name].get(value, value)
        return preview.show(value)

    def created(self, candidate):
        """The fields a new person is written with, but the name and cell (the row's label)."""
        shown = []
        for name in WRITABLE:
            if name in ("full_name", "cell"):
                continue
            value = getattr(candidate, name)
            if value not in (None, "", False):
                shown.append((self.headers[name], None, self.value(name, value)))
        return shown

    def changes(self, candidate, before, old_cell, fields):
        shown = []
        for name in fields:
            old, new = before[name], getattr(candidate, _attname(name))
            if old == new:
                continue
            if name == "cell":
                old, new = old_cell, candidate.cell
            shown.append((self.headers[name], self.value(name, old), self.value(name, new)))
        return shown

    def notes(self, candidate):
        notes = []
        missing = candidate.missing_steps
        if missing:
            notes.append(
                _("Hồ sơ chưa đầy đủ (được nhận, đánh dấu để bổ sung), thiếu: %(steps)s.")
                % {"steps": ", ".join(str(pipeline.StepKind(step.kind).label) for step in missing)}
            )
        if candidate.course_date and not candidate.course_certificate_no:
            notes.append(_("Thiếu số giấy chứng nhận bồi dưỡng (hồ sơ đã kết nạp: được nhận, cần bổ sung)."))
        return notes


def _cell(job, sheet, cells, row):
    """The row's cell, or None after recording why it cannot be used."""
    code = row.values["cell"]
    column = sheet.spec.column("cell")
    cell = cells.get(code)
    if cell is None or not job.may_change(cell):  # outside the scope reads as nowhere
        unknown_unit(job, sheet, row.number, column, code, cell=True)
    elif not cell.is_cell:
        job.error(
            sheet,
            row.number,
            column,
            code,
            _("“%(code)s” là %(kind)s, không phải chi bộ: quần chúng phải thuộc một chi bộ hoặc chi bộ cơ sở.")
            % {"code": code, "kind": cell.get_kind_display()},
        )
    else:
        return cell
    return None


def _build(job, person, cell, got, majority, closed_index):
    """The candidate the row describes, and the values a known person had before it."""
    if person is None:
        candidate = Candidate(created_by=job.actor, ethnicity=majority, occupation=Occupation.OTHER)
        before = {}
    else:
        candidate = person
        before = {name: getattr(person, _attname(name)) for name in WRITABLE}
        if person.cell_id != cell.pk:
            # A move: the closed-quarter rule also asks about the cell the person leaves, which
            # Candidate.closed_quarters_for() would read with a query per person; it is loaded.
            candidate.closed_quarters_for = _ClosedQuartersOf(candidate, (cell, person.cell), closed_index)
    candidate.cell = cell
    candidate.updated_by = job.actor
    candidate._closed_index = closed_index
    for key, value in got.items():
        if key == "cell":
            continue
        if key in KEPT_WHEN_BLANK and not value:
            continue  # blank: the default for a new person, unchanged for a known one
        setattr(candidate, key, value)
    return candidate, before


class _ClosedQuartersOf:
    """Candidate.closed_quarters_for(cell_id) for a person the import moves: the closures binding
    either cell, from the units already loaded and the import's ClosedQuarterIndex."""

    def __init__(self, candidate, cells, closed_index):
        self.candidate = candidate
        self.cells = {unit.pk: unit for unit in cells}
        self.closed_index = closed_index

    def __call__(self, cell_id):
        if cell_id in self.cells:
            return self.closed_index.for_unit(self.cells[cell_id])
        return Candidate.closed_quarters_for(self.candidate, cell_id)


def _valid(job, sheet, row, candidate):
    """full_clean() without its per-row queries: the foreign keys were looked up from the database in
    batches, and citizen-ID uniqueness is settled by the matching in people()."""
    errors = {}
    for check in (lambda: candidate.clean_fields(exclude=_NO_DB_CHECK), candidate.clean):
        try:
            check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    for name, messages in errors.items():
        column = next((c for c in sheet.spec.columns if c.key == name), None)
        if column is not None:
            value = row.raw.get(name)
        else:
            value = getattr(candidate, name, "") if name != NON_FIELD_ERRORS else ""
        for message in messages:
            job.result.errors.append(
                RowError(
                    sheet.title,
                    row.number,
                    column.header if column else _field_label(name),
                    show_value(value),
                    str(message),
                )
            )
    return not errors


def _field_label(name):
    if name == NON_FIELD_ERRORS:
        return ""
    return str(Candidate._meta.get_field(name).verbose_name).capitalize()
