"""The candidate pipeline (quy trình kết nạp) and the Charter's rules: the one place they live.

Each step is a group of dated fields on the candidate; the stage is derived from the latest step
present. `check()` returns every rule a candidate breaks. Candidate.clean() calls it, so the browser,
the Excel import and the admin all obey the same rules; services add only the step order of the
browser flow and who may record what.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .calendar import add_months, add_working_days, whole_months_between

MIN_AGE_MONTHS = 18 * 12
MAX_AGE_MONTHS = 60 * 12
CERTIFICATE_VALID_MONTHS = 60
PROBATION_MONTHS = 12
DECISION_DUE_WORKING_DAYS = 60
CEREMONY_DUE_WORKING_DAYS = 30
RECOGNITION_DUE_WORKING_DAYS = 30


class Stage(models.TextChoices):
    LISTED = "listed", _("Quần chúng ưu tú")
    TRAINED = "trained", _("Đã học lớp nhận thức về Đảng")
    FILED = "filed", _("Đã có hồ sơ")
    RESOLVED = "resolved", _("Chi bộ đã ra nghị quyết")
    DECIDED = "decided", _("Có quyết định kết nạp")
    PROBATIONARY = "probationary", _("Đảng viên dự bị")
    OFFICIAL = "official", _("Đảng viên chính thức")
    EXITED = "exited", _("Đã ra khỏi danh sách")


class StepKind(models.TextChoices):
    LISTING = "listing", _("Vào danh sách quần chúng ưu tú")
    COURSE = "course", _("Lớp bồi dưỡng nhận thức về Đảng")
    FILE = "file", _("Hồ sơ xin vào Đảng")
    RESOLUTION = "resolution", _("Nghị quyết chi bộ")
    DECISION = "decision", _("Quyết định kết nạp")
    CEREMONY = "ceremony", _("Lễ kết nạp")
    NEW_MEMBER_COURSE = "new_member_course", _("Lớp bồi dưỡng đảng viên mới")
    RECOGNITION = "recognition", _("Công nhận đảng viên chính thức")
    EXIT = "exit", _("Ra khỏi danh sách / xóa tên")


class ExitReason(models.TextChoices):
    WITHDREW = "withdrew", _("Tự rút khỏi danh sách")
    MOVED_AWAY = "moved_away", _("Chuyển đi nơi khác")
    NOT_QUALIFIED = "not_qualified", _("Không đủ tiêu chuẩn, điều kiện")
    STRUCK_OFF = "struck_off", _("Xóa tên trong danh sách đảng viên dự bị")


class IntroducingOrganisation(models.TextChoices):
    YOUTH_UNION = "youth_union", _("Ban Chấp hành Đoàn cơ sở")
    TRADE_UNION = "trade_union", _("Ban Chấp hành Công đoàn cơ sở")


@dataclass(frozen=True)
class Step:
    kind: str
    date_field: str
    fields: tuple  # what the step's form edits
    required: tuple  # what recording the step in the browser needs
    stage: str | None  # the stage a candidate reaches with this step
    requires: tuple = ()  # steps that must be complete before it is recorded in the browser
    secretary_may_record: bool = False


STEPS = (
    Step(
        StepKind.LISTING,
        "listed_on",
        ("listed_on", "introduced_by", "mentor_name"),
        ("listed_on",),
        Stage.LISTED,
        secretary_may_record=True,
    ),
    Step(
        StepKind.COURSE,
        "course_date",
        ("course_certificate_no", "course_date"),
        ("course_certificate_no", "course_date"),
        Stage.TRAINED,
        (StepKind.LISTING,),
        secretary_may_record=True,
    ),
    Step(
        StepKind.FILE,
        "application_date",
        ("application_date", "introducing_organisation", "introducer_1", "introducer_2"),
        ("application_date", "introducer_1"),
        Stage.FILED,
        (StepKind.LISTING, StepKind.COURSE),
    ),
    Step(
        StepKind.RESOLUTION,
        "resolution_date",
        ("resolution_date", "age_exception"),
        ("resolution_date",),
        Stage.RESOLVED,
        (StepKind.COURSE, StepKind.FILE),
    ),
    Step(
        StepKind.DECISION,
        "decision_date",
        ("decision_no", "decision_date", "decision_issuer"),
        ("decision_no", "decision_date", "decision_issuer"),
        Stage.DECIDED,
        (StepKind.RESOLUTION,),
    ),
    Step(
        StepKind.CEREMONY,
        "ceremony_date",
        ("ceremony_date",),
        ("ceremony_date",),
        Stage.PROBATIONARY,
        (StepKind.DECISION,),
    ),
    Step(
        StepKind.NEW_MEMBER_COURSE,
        "new_member_course_date",
        ("new_member_course_date",),
        ("new_member_course_date",),
        None,
        (StepKind.CEREMONY,),
    ),
    Step(
        StepKind.RECOGNITION,
        "recognition_date",
        ("recognition_no", "recognition_date"),
        ("recognition_no", "recognition_date"),
        Stage.OFFICIAL,
        (StepKind.CEREMONY, StepKind.NEW_MEMBER_COURSE),
    ),
)
EXIT_STEP = Step(
    StepKind.EXIT, "exit_date", ("exit_date", "exit_reason", "exit_note"), ("exit_date", "exit_reason"), Stage.EXITED
)
STEP_BY_KIND = {step.kind: step for step in (*STEPS, EXIT_STEP)}
DATE_FIELDS = tuple(step.date_field for step in STEPS)


def get_step(kind):
    return STEP_BY_KIND[kind]


# --- Stage and completeness ---------------------------------------------------------------------


def stage_of(candidate):
    if candidate.exit_date:
        return Stage.EXITED
    for step in reversed(STEPS):
        if step.stage and getattr(candidate, step.date_field):
            return step.stage
    return Stage.LISTED


def stage_expression():
    """The same derivation as `stage_of`, in SQL, for filtering and counting by stage."""
    whens = [When(exit_date__isnull=False, then=Value(Stage.EXITED))]
    whens += [
        When(**{f"{step.date_field}__isnull": False}, then=Value(step.stage)) for step in reversed(STEPS) if step.stage
    ]
    return Case(*whens, default=Value(Stage.LISTED), output_field=models.CharField())


def stage_q(stage):
    """The same derivation as `stage_of` as a condition for one stage: counting stages as
    `Count(filter=stage_q(...))` is a few null tests a row, where grouping by the CASE is not."""
    if stage == Stage.EXITED:
        return Q(exit_date__isnull=False)
    condition = Q(exit_date__isnull=True)
    for step in reversed(STEPS):
        if not step.stage:
            continue
        if step.stage == stage:
            return condition & Q(**{f"{step.date_field}__isnull": False})
        condition &= Q(**{f"{step.date_field}__isnull": True})
    return condition  # LISTED: no step that sets a stage yet


def _step_complete(candidate, step):
    if not getattr(candidate, step.date_field):
        return False
    if step.kind == StepKind.FILE:
        return bool(candidate.introducer_1 and (candidate.introducing_organisation or candidate.introducer_2))
    return True


def _step_missing_q(step):
    missing = Q(**{f"{step.date_field}__isnull": True})
    if step.kind == StepKind.FILE:
        missing |= Q(introducer_1="") | (Q(introducing_organisation="") & Q(introducer_2=""))
    return missing


def missing_steps(candidate):
    """Steps absent before the furthest step recorded: a historic record with an incomplete file."""
    present = [i for i, step in enumerate(STEPS) if getattr(candidate, step.date_field)]
    if not present:
        return []
    return [step for step in STEPS[: max(present)] if not _step_complete(candidate, step)]


def incomplete_q():
    """SQL for `missing_steps(candidate) != []`."""
    condition = Q(pk__in=[])
    for index, step in enumerate(STEPS[:-1]):
        later = Q()
        for following in STEPS[index + 1 :]:
            later |= Q(**{f"{following.date_field}__isnull": False})
        condition |= later & _step_missing_q(step)
    return condition


def is_legal(candidate, kind):
    """Whether the browser may record (or correct) step `kind` now: its prerequisites are complete.

    Nothing after an exit; after recognition only the recognition itself may be corrected.
    """
    if candidate.exit_date:
        return False
    if candidate.recognition_date:
        return kind == StepKind.RECOGNITION
    if kind == StepKind.EXIT:
        return True
    return all(_step_complete(candidate, STEP_BY_KIND[required]) for required in STEP_BY_KIND[kind].requires)


def step_complete(candidate, kind):
    return _step_complete(candidate, STEP_BY_KIND[kind])


def next_steps(candidate):
    """The steps the browser offers as buttons: legal and not yet recorded."""
    if candidate.exit_date or candidate.recognition_date:
        return []
    steps = [step for step in STEPS if not getattr(candidate, step.date_field) and is_legal(candidate, step.kind)]
    return steps + [EXIT_STEP]


# --- Derived dates ------------------------------------------------------------------------------


def official_from(candidate):
    """Recognition counts from the end of the 12 months, even when decided late."""
    return add_months(candidate.ceremony_date, PROBATION_MONTHS) if candidate.ceremony_date else None


def certificate_expires(candidate):
    return add_months(candidate.course_date, CERTIFICATE_VALID_MONTHS) if candidate.course_date else None


def _decision_due(resolution_date):
    return add_working_days(resolution_date, DECISION_DUE_WORKING_DAYS)


def _ceremony_due(decision_date):
    return add_working_days(decision_date, CEREMONY_DUE_WORKING_DAYS)


def _recognition_due(ceremony_date):
    return add_working_days(add_months(ceremony_date, PROBATION_MONTHS), RECOGNITION_DUE_WORKING_DAYS)


def _certificate_expires(course_date):
    return add_months(course_date, CERTIFICATE_VALID_MONTHS)


@dataclass(frozen=True)
class Deadline:
    """A step that falls due: while `clock` is recorded and `until` is not (and the person has neither
    left nor been recognised), `kind` is due by `due(clock date)`.

    `due` never goes down as the clock date goes up, so "due before X" is "clock date up to Y" in
    SQL (see `latest_clock_date`): the to-do list counts and sorts in the database on that.
    """

    kind: str
    clock: str
    until: str
    due: object  # date -> date

    def waiting_q(self):
        return Q(exit_date__isnull=True, recognition_date__isnull=True) & Q(
            **{f"{self.clock}__isnull": False, f"{self.until}__isnull": True}
        )

    def is_waiting(self, candidate):
        return (
            not (candidate.exit_date or candidate.recognition_date)
            and bool(getattr(candidate, self.clock))
            and not getattr(candidate, self.until)
        )


# A person waits for at most one of these at a time (each needs the step before the next one's clock).
DEADLINES = (
    Deadline(StepKind.DECISION, "resolution_date", "decision_date", _decision_due),
    Deadline(StepKind.CEREMONY, "decision_date", "ceremony_date", _ceremony_due),
    Deadline(StepKind.RECOGNITION, "ceremony_date", "recognition_date", _recognition_due),
    Deadline(StepKind.COURSE, "course_date", "resolution_date", _certificate_expires),
)


def deadlines(candidate):
    """The dates by which the next step is due, in working days (weekends and holidays skipped);
    a certificate's expiry in calendar months."""
    return {
        deadline.kind: deadline.due(getattr(candidate, deadline.clock))
        for deadline in DEADLINES
        if deadline.is_waiting(candidate)
    }


def latest_clock_date(due, limit):
    """The latest date whose `due(date)` is on or before `limit`, for a `due` that never goes down
    and lands between a day and about five years after its date (a binary search over those days)."""
    low, high = limit - datetime.timedelta(days=2200), limit  # due(low) <= limit < due(high)
    while high.toordinal() - low.toordinal() > 1:
        middle = low + datetime.timedelta(days=(high - low).days // 2)
        if due(middle) <= limit:
            low = middle
        else:
            high = middle
    return low


# --- The rules ----------------------------------------------------------------------------------


def _fmt(day):
    return date_format(day, "d/m/Y")


# For each date, the dates that must not come after it (the Charter's order of the steps).
_ORDER = {
    "course_date": ("listed_on",),
    "application_date": ("listed_on",),
    "resolution_date": ("listed_on", "course_date", "application_date"),
    "decision_date": ("resolution_date", "application_date", "course_date", "listed_on"),
    "ceremony_date": ("decision_date", "resolution_date", "application_date", "course_date", "listed_on"),
    "new_member_course_date": ("ceremony_date", "decision_date", "resolution_date"),
    "recognition_date": ("new_member_course_date", "ceremony_date", "decision_date", "resolution_date"),
}


def _label(candidate, name):
    return candidate._meta.get_field(name).verbose_name


def check(candidate, today=None):
    """Every rule `candidate` breaks, as {field: [message, ...]}. Empty when it may be saved."""
    today = today or timezone.localdate()
    errors = {}

    def refuse(name, message):
        errors.setdefault(name, []).append(message)

    dob = candidate.date_of_birth
    if dob and dob > today:
        refuse("date_of_birth", _("Ngày sinh không thể ở tương lai."))

    for name in (*DATE_FIELDS, "exit_date"):
        day = getattr(candidate, name)
        if not day:
            continue
        if day > today:
            refuse(
                name,
                _("%(field)s (%(date)s) không thể ở tương lai.")
                % {"field": _label(candidate, name).capitalize(), "date": _fmt(day)},
            )
        elif dob and day <= dob:
            refuse(
                name,
                _("%(field)s (%(date)s) phải sau ngày sinh.")
                % {"field": _label(candidate, name).capitalize(), "date": _fmt(day)},
            )

    for name, before in _ORDER.items():
        day = getattr(candidate, name)
        if not day or name in errors:
            continue
        for earlier in before:
            earlier_day = getattr(candidate, earlier)
            if earlier_day and earlier_day > day:
                refuse(
                    name,
                    _("%(field)s (%(date)s) không được trước %(earlier)s (%(earlier_date)s).")
                    % {
                        "field": _label(candidate, name).capitalize(),
                        "date": _fmt(day),
                        "earlier": _label(candidate, earlier),
                        "earlier_date": _fmt(earlier_day),
                    },
                )
                break

    resolution = candidate.resolution_date
    if dob and resolution and "resolution_date" not in errors:
        age = whole_months_between(dob, resolution)
        if age < MIN_AGE_MONTHS:
            refuse(
                "resolution_date",
                _("Chưa đủ 18 tuổi (tính theo tháng) vào ngày chi bộ xét kết nạp: %(years)d tuổi %(months)d tháng.")
                % {"years": age // 12, "months": age % 12},
            )
        elif age > MAX_AGE_MONTHS and not candidate.age_exception:
            refuse(
                "age_exception",
                _(
                    "Quá 60 tuổi (tính theo tháng) vào ngày chi bộ xét kết nạp: %(years)d tuổi %(months)d tháng; "
                    "chỉ được kết nạp khi có quyết định đặc biệt (ghi số, ngày quyết định)."
                )
                % {"years": age // 12, "months": age % 12},
            )

    if (
        candidate.course_date
        and resolution
        and add_months(candidate.course_date, CERTIFICATE_VALID_MONTHS) < resolution
    ):
        refuse(
            "course_date",
            _(
                "Giấy chứng nhận bồi dưỡng nhận thức về Đảng (cấp ngày %(course)s) đã quá 60 tháng vào ngày chi bộ xét "
                "(%(resolution)s); quần chúng phải học lại lớp bồi dưỡng."
            )
            % {"course": _fmt(candidate.course_date), "resolution": _fmt(resolution)},
        )

    _check_introducers(candidate, refuse)

    if candidate.ceremony_date and candidate.recognition_date:
        end = official_from(candidate)
        if candidate.recognition_date < end:
            refuse(
                "recognition_date",
                _(
                    "Chưa đủ 12 tháng dự bị: chỉ được công nhận chính thức từ %(end)s (12 tháng sau lễ kết nạp %(ceremony)s)."
                )
                % {"end": _fmt(end), "ceremony": _fmt(candidate.ceremony_date)},
            )

    _check_exit(candidate, refuse)
    return errors


def _check_introducers(candidate, refuse):
    """Consistency of the introductions. A missing introducer is not refused here: on a historic record
    it flags the file incomplete, and the browser's file step demands it (services.step_record)."""
    organisation = candidate.introducing_organisation
    first, second = (candidate.introducer_1 or "").strip(), (candidate.introducer_2 or "").strip()
    if organisation == IntroducingOrganisation.YOUTH_UNION and not candidate.youth_union_member:
        refuse(
            "introducing_organisation",
            _(
                "Chỉ đoàn viên thanh niên mới được Ban Chấp hành Đoàn cơ sở giới thiệu; "
                "người không là đoàn viên cần hai đảng viên chính thức giới thiệu."
            ),
        )
    if organisation and second:
        refuse(
            "introducer_2",
            _("Khi Ban Chấp hành Đoàn hoặc Công đoàn cơ sở giới thiệu, chỉ cần thêm một đảng viên chính thức."),
        )
    if first and second and " ".join(first.casefold().split()) == " ".join(second.casefold().split()):
        refuse("introducer_2", _("Hai người giới thiệu phải là hai đảng viên khác nhau."))


def _check_exit(candidate, refuse):
    if bool(candidate.exit_date) != bool(candidate.exit_reason):
        refuse("exit_reason" if candidate.exit_date else "exit_date", _("Ra khỏi danh sách cần cả ngày và lý do."))
        return
    if not candidate.exit_date:
        return
    if candidate.exit_reason == ExitReason.STRUCK_OFF:
        if not candidate.ceremony_date or candidate.recognition_date:
            refuse(
                "exit_reason",
                _("Chỉ xóa tên khi người đó đang là đảng viên dự bị (đã kết nạp, chưa công nhận chính thức)."),
            )
    elif candidate.decision_date:
        refuse(
            "exit_reason",
            _(
                "Người đã có quyết định kết nạp không thể rút khỏi danh sách quần chúng; nếu đang dự bị, hãy chọn “xóa tên”."
            ),
        )
    latest = max((getattr(candidate, name) for name in DATE_FIELDS if getattr(candidate, name)), default=None)
    if latest and candidate.exit_date < latest:
        refuse(
            "exit_date",
            _("Ngày ra khỏi danh sách (%(exit)s) không được trước bước đã ghi gần nhất (%(latest)s).")
            % {"exit": _fmt(candidate.exit_date), "latest": _fmt(latest)},
        )


# --- Closed quarters (khóa sổ) --------------------------------------------------------------------

# What a quarterly return reports: admissions (the decision and the ceremony) and recognitions.
# Each group is frozen when its date, before or after the change, lies in a closed quarter.
FROZEN_GROUPS = (
    ("decision_date", ("decision_no", "decision_date", "decision_issuer")),
    ("ceremony_date", ("ceremony_date",)),
    ("recognition_date", ("recognition_no", "recognition_date")),
)


def frozen_changes(candidate, original):
    """(date field, [dates]) for each frozen group this save changes: `original` is the row as read
    ({attname: value}, None for a new person). Moving to another cell changes every dated group."""
    moved = original is not None and original.get("cell_id") != candidate.cell_id
    result = []
    for date_field, names in FROZEN_GROUPS:
        if original is None:
            changed = any(getattr(candidate, name) for name in names)
        else:
            changed = moved or any(getattr(candidate, name) != original.get(name) for name in names)
        if not changed:
            continue
        days = [day for day in (getattr(candidate, date_field), (original or {}).get(date_field)) if day]
        if days:
            result.append((date_field, days))
    return result


def check_closed_quarters(candidate, original, closed_for):
    """{field: [message]} when a change touches an admission or recognition dated in a closed quarter.

    `closed_for(cell_id)` gives the ClosedQuarters binding a cell (only called when something frozen
    changed, so an ordinary save costs no query)."""
    changes = frozen_changes(candidate, original)
    if not changes:
        return {}
    cells = {candidate.cell_id}
    if original is not None and original.get("cell_id"):
        cells.add(original["cell_id"])
    books = [closed_for(cell_id) for cell_id in cells if cell_id]
    errors = {}
    for date_field, days in changes:
        for day in days:
            closure = next((c for book in books if (c := book.closure_for(day)) is not None), None)
            if closure is not None:
                errors.setdefault(date_field, []).append(
                    _(
                        "%(field)s (%(date)s) thuộc %(quarter)s, đã khóa sổ (%(unit)s): không thể sửa. "
                        "Đề nghị cấp ủy cấp trên mở lại sổ nếu cần điều chỉnh."
                    )
                    % {
                        "field": _label(candidate, date_field).capitalize(),
                        "date": _fmt(day),
                        "quarter": closure.label,
                        "unit": closure.unit.name,
                    }
                )
                break
    return errors
