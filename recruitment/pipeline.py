"""The candidate pipeline (quy trình kết nạp) and the Charter's rules: the one place they live.

Each step is a group of dated fields on the candidate; the stage is derived from the latest step
present. `check()` returns every rule a candidate breaks. Candidate.clean() calls it, so the browser,
the Excel import and the admin all obey the same rules; services add only the step order of the
browser flow and who may record what.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from . import education
from .calendar import add_months, add_working_days, whole_months_between

MIN_AGE_MONTHS = 18 * 12
MAX_AGE_MONTHS = 60 * 12
CERTIFICATE_VALID_MONTHS = 60
PROBATION_MONTHS = 12
DECISION_DUE_WORKING_DAYS = 60
CEREMONY_DUE_WORKING_DAYS = 30
RECOGNITION_DUE_WORKING_DAYS = 30
READMISSION_WAIT_MONTHS = 36


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
    # The cell considers the case: the Charter's conditions on the person are checked on this date, so
    # the form carries the exceptions (over 60, below lower secondary) and the general education, which
    # must be recorded by then (a blank is not a way around the education rule).
    Step(
        StepKind.RESOLUTION,
        "resolution_date",
        ("resolution_date", "age_exception", "general_education", "education_exception"),
        ("resolution_date", "general_education"),
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
# The steps from the cell's resolution on: once one is recorded, the cell has considered the case.
CONSIDERED_STEPS = STEPS[[step.kind for step in STEPS].index(StepKind.RESOLUTION) :]
FORMER_DATE_FIELDS = ("former_admission_date", "former_official_date", "former_exit_date")
FORMER_FIELDS = (*FORMER_DATE_FIELDS, "former_exit", "former_readmitted")

# What the browser asks for when a step's required field is blank, where "required" alone says too little.
REQUIRED_MESSAGES = {
    "general_education": _(
        "Cần ghi trình độ giáo dục phổ thông (lớp/hệ, ví dụ 12/12, 9/12) khi chi bộ xét kết nạp: "
        "người vào Đảng phải tốt nghiệp trung học cơ sở trở lên, trừ trường hợp được vận dụng theo quy định."
    ),
}


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


def considered_on(candidate):
    """The date the cell considered the case: its resolution, or for a historic record without one,
    the earliest later step recorded (None before the cell has considered it)."""
    return next((day for step in CONSIDERED_STEPS if (day := getattr(candidate, step.date_field))), None)


def _considered_q():
    condition = Q(pk__in=[])
    for step in CONSIDERED_STEPS:
        condition |= Q(**{f"{step.date_field}__isnull": False})
    return condition


def missing_details(candidate):
    """Facts a record lacks that the browser would have demanded (labels to show): the general
    education once the cell has considered the case, and the number of a course certificate whose
    date is recorded. A historic record from a spreadsheet may lack them; it is flagged, not refused."""
    missing = []
    if considered_on(candidate) and not candidate.general_education:
        missing.append(_label(candidate, "general_education"))
    if candidate.course_date and not candidate.course_certificate_no:
        missing.append(_label(candidate, "course_certificate_no"))
    return missing


def is_incomplete(candidate):
    return bool(missing_steps(candidate) or missing_details(candidate))


def incomplete_q():
    """SQL for `is_incomplete(candidate)`."""
    condition = Q(pk__in=[])
    for index, step in enumerate(STEPS[:-1]):
        later = Q()
        for following in STEPS[index + 1 :]:
            later |= Q(**{f"{following.date_field}__isnull": False})
        condition |= later & _step_missing_q(step)
    return (
        condition | (Q(general_education="") & _considered_q()) | Q(course_date__isnull=False, course_certificate_no="")
    )


CORRECTABLE_AFTER_RECOGNITION = (StepKind.RECOGNITION, StepKind.DECISION)


def is_legal(candidate, kind):
    """Whether the browser may record (or correct) step `kind` now: its prerequisites are complete.

    Nothing after an exit; after recognition only the recognition itself and the admission decision
    (a wrong decision number is found when the member's file goes up) may be corrected, each through
    the same rules (dates in order, closed quarters) and into the record's history. Recording a
    decision is the organisation board's action (recruitment.permissions), never a secretary's.
    """
    if candidate.exit_date:
        return False
    if candidate.recognition_date:
        return kind in CORRECTABLE_AFTER_RECOGNITION
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


@dataclass(frozen=True)
class Seniority:
    """Tuổi đảng on a date: whole months, counted as if from `counted_from` without a break."""

    months: int
    counted_from: datetime.date
    admitted_on: datetime.date  # the decision the count starts from (the first admission when it counts)
    months_outside: int  # the time outside the Party taken off, for a readmitted member (else 0)

    @property
    def years(self):
        return self.months // 12

    @property
    def outside(self):
        """The time outside the Party taken off, as "x năm y tháng" ("" when none)."""
        return _years_and_months(self.months_outside) if self.months_outside else ""

    def __str__(self):
        return _years_and_months(self.months)


def _years_and_months(months):
    return str(_("%(years)d năm %(months)d tháng") % {"years": months // 12, "months": months % 12})


def former_membership_counts(candidate):
    """Whether a former membership adds to the seniority: it was official (recognised), and its dates
    are known."""
    admitted, official, left = (getattr(candidate, name) for name in FORMER_DATE_FIELDS)
    return bool(admitted and official and left and admitted <= left)


def party_seniority(candidate, on_date=None):
    """Tuổi đảng on `on_date` (today by default), or None while the person is not an official member.

    Quy định 24-QĐ/TW (2021), point 4.5: an official member's seniority counts from the date of the
    admission decision, less the time outside party life. For a readmitted member (point 4.5.2 and
    Hướng dẫn 12-HD/BTCTW as usually read) it counts from the first admission decision when the former
    membership had been made official, less the time outside the Party (from leaving to the
    readmission decision); when the former membership never became official (struck off while
    probationary), only the readmission counts. Other breaks (lost contact, transfers) are not recorded
    here, so they are not subtracted.
    """
    on_date = on_date or timezone.localdate()
    decision = candidate.decision_date
    if not decision or not candidate.recognition_date or candidate.exit_date or on_date < decision:
        return None
    admitted_on, counted_from, months_outside = decision, decision, 0
    if former_membership_counts(candidate) and candidate.former_exit_date <= decision:
        # The first admission moved on by the calendar time spent outside (years, months, days).
        outside = relativedelta(decision, candidate.former_exit_date)
        admitted_on = candidate.former_admission_date
        counted_from = admitted_on + outside
        months_outside = outside.years * 12 + outside.months
    return Seniority(
        months=whole_months_between(counted_from, on_date),
        counted_from=counted_from,
        admitted_on=admitted_on,
        months_outside=months_outside,
    )


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


# For each date, the dates that must not come after it (the Charter's order of the steps; a former
# membership is admitted, made official, then left).
_ORDER = {
    "former_official_date": ("former_admission_date",),
    "former_exit_date": ("former_official_date", "former_admission_date"),
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

    in_future = False
    for name in (*DATE_FIELDS, "exit_date", *FORMER_DATE_FIELDS):
        day = getattr(candidate, name)
        if not day:
            continue
        if day > today:
            in_future = True
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

    if in_future:
        # The rules below add months to these dates (31/12/9999 + 12 months does not exist), and a date
        # that has not happened yet must be corrected before anything else about the record can be judged.
        return errors

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

    _check_education(candidate, refuse)
    _check_readmission(candidate, refuse, errors)
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


def _check_education(candidate, refuse):
    """Điều lệ Đảng, Điều 1, and Quy định 24-QĐ/TW (2021), point 1: a lower-secondary diploma at least
    (9/12, or 7/10 in the old ten-year system). Hướng dẫn 01-HD/TW (2021) of the Secretariat allows less
    in mountainous, border, island and ethnic-minority areas, areas of particular hardship and for
    fishermen working at sea (primary school finished at least), and for village elders, village heads
    and people of standing there who read and write fluently (with the provincial standing committee's
    written consent): accepted when the exception and its ground are recorded (`education_exception`,
    like the over-60 exception); the ground is free text, so which of those cases it is is not checked.

    Checked once the cell has considered the case (its resolution, or a later step of a historic
    record), as the age is: someone in the pool may still be finishing school. A blank general
    education is not refused here: a historic record is accepted and flagged incomplete
    (`missing_details`), and the browser's resolution step demands it (`REQUIRED_MESSAGES`)."""
    try:
        grade = education.normalise(candidate.general_education)
    except education.NotAGrade:
        return  # Candidate.clean() says why it cannot be read
    if not grade or education.has_lower_secondary(grade) or not considered_on(candidate):
        return
    if (candidate.education_exception or "").strip():
        return
    refuse(
        "general_education",
        _(
            "Giáo dục phổ thông %(grade)s: chưa tốt nghiệp trung học cơ sở (9/12, hệ 10 năm cũ 7/10). Chỉ kết nạp khi "
            "được vận dụng (vùng cao, miền núi, biên giới, hải đảo, đồng bào dân tộc thiểu số hoặc trường hợp khác "
            "theo quy định): ghi căn cứ vào ô “trường hợp được kết nạp dưới trung học cơ sở”."
        )
        % {"grade": grade},
    )


# FormerExit values (recruitment.models) after which Quy định 24-QĐ/TW, point 3.5.2 (and Hướng dẫn
# 12-HD/BTCTW), rule readmission out: abandoning party life, resigning for reasons other than special
# family hardship, serious disunity, conviction for corruption or for a serious crime or worse, and
# violations of political history and present politics (internal political protection rules).
# Expulsion (khai trừ) is not itself a ground: an expelled person may be readmitted under the general
# conditions (36 months, once, the provincial standing committee's written consent), unless expelled
# for one of the grounds above, which is then what is recorded as the way they left.
NEVER_READMITTED = frozenset({"abandoned", "resigned", "political_history", "corruption", "serious_crime", "disunity"})


def is_readmission(candidate):
    """Whether a former membership is recorded (the person would be readmitted, kết nạp lại)."""
    return any(getattr(candidate, name) for name in FORMER_FIELDS)


def _check_readmission(candidate, refuse, errors):
    """Kết nạp lại, after Điều lệ Đảng Điều 4, Quy định 24-QĐ/TW (2021) point 3.5 and Hướng dẫn
    12-HD/BTCTW (2022): the former membership is recorded (admission, exit, and how the person left;
    the official date when there was one), dated in order (admission ≤ official ≤ exit ≤ the cell's
    resolution, see _ORDER); at least 36 months between leaving and the cell's resolution (for a
    historic record without one, the first later step: `considered_on`); never after
    the exits in NEVER_READMITTED; only once (`former_readmitted`). Not modelled: the 60 months after
    a criminal record is cleared for a less serious crime, the Secretariat's own rule for the
    population-policy cases, and the provincial standing committee's consent (no field records them)."""
    if not is_readmission(candidate):
        return
    for name in ("former_admission_date", "former_exit_date", "former_exit"):
        if not getattr(candidate, name):
            refuse(
                name,
                _("Người đã từng là đảng viên (kết nạp lại): cần ghi %(field)s.") % {"field": _label(candidate, name)},
            )
    if candidate.former_exit in NEVER_READMITTED:
        refuse(
            "former_exit",
            _("Không xem xét kết nạp lại người đã ra khỏi Đảng vì lý do “%(exit)s” (Quy định 24-QĐ/TW, điểm 3.5.2).")
            % {"exit": candidate.get_former_exit_display()},
        )
    if candidate.former_readmitted:
        refuse(
            "former_readmitted",
            _("Người này đã được kết nạp lại một lần; chỉ kết nạp lại một lần (Quy định 24-QĐ/TW, điểm 3.5.3)."),
        )
    left, considered = candidate.former_exit_date, considered_on(candidate)
    if not left or not considered or "former_exit_date" in errors:
        return
    if left > considered:
        refuse(
            "former_exit_date",
            _("Ngày ra khỏi Đảng (%(left)s) phải trước ngày chi bộ xét kết nạp lại (%(considered)s).")
            % {"left": _fmt(left), "considered": _fmt(considered)},
        )
        return
    months = whole_months_between(left, considered)
    if months < READMISSION_WAIT_MONTHS:
        refuse(
            "former_exit_date",
            _(
                "Chưa đủ 36 tháng kể từ ngày ra khỏi Đảng (%(left)s) đến ngày chi bộ xét kết nạp lại (%(considered)s): "
                "mới %(years)d năm %(months)d tháng; chỉ xem xét kết nạp lại sau ít nhất 36 tháng, từ %(earliest)s."
            )
            % {
                "left": _fmt(left),
                "considered": _fmt(considered),
                "years": months // 12,
                "months": months % 12,
                "earliest": _fmt(add_months(left, READMISSION_WAIT_MONTHS)),
            },
        )


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
# The profile of a person admitted in a closed quarter is frozen with the decision: the quarter's
# breakdown (gender, age, ethnicity, religion, occupation, youth union, education) is read from it.
# Attribute names (`ethnicity_id`), as `original` holds them; the cell is frozen by `moved` below.
BREAKDOWN_FIELDS = (
    "gender",
    "date_of_birth",
    "ethnicity_id",
    "religion_id",
    "occupation",
    "youth_union_member",
    "general_education",
    "professional_education",
    "political_theory",
    "cell_id",
)
FROZEN_GROUPS = (
    ("decision_date", ("decision_no", "decision_date", "decision_issuer", *BREAKDOWN_FIELDS)),
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
