"""The actions that change a candidate. The browser, the Excel import and the admin all come here
(or to Candidate.full_clean, which runs the same rules), so a rule is written once.

All functions are keyword-only, atomic, and raise ValidationError (field -> messages) or
PermissionDenied; nothing is written when they raise.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from units.periods import quarter_bounds, quarter_label
from units.permissions import VIEW, allows

from . import pipeline
from .models import (
    POOL_EXIT_REASONS,
    Candidate,
    CourseParticipant,
    CourseResult,
    PoolDecision,
    PoolReview,
    PoolReviewEntry,
)
from .permissions import ADD_CANDIDATE, CHANGE_PROFILE, CHANGE_RECORD, MANAGE_COURSE, REVIEW_POOL, record_step
from .pipeline import StepKind
from .pool import in_pool_q

# A former membership, for a person who would be readmitted (kết nạp lại): part of the personal
# history, edited with the profile (its pages fold it away: most people were never members).
FORMER_MEMBERSHIP_FIELDS = pipeline.FORMER_FIELDS

PROFILE_FIELDS = (
    "full_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "religion",
    "occupation",
    "general_education",
    "professional_education",
    "political_theory",
    "education_exception",
    "youth_union_member",
    "citizen_id",
    "cell",
    *FORMER_MEMBERSHIP_FIELDS,
)


class CitizenIdTaken(ValidationError):
    """The citizen ID was recorded by another save a moment ago (a unique violation in the database)."""


def _require(user, action, cell, *, kind=StepKind.LISTING):
    if not allows(user, action, cell):
        raise PermissionDenied(
            _("Bạn không có quyền ghi bước “%(step)s” cho chi bộ này.") % {"step": pipeline.StepKind(kind).label}
        )


def _save(candidate, actor, expected_version=None):
    if expected_version is not None:
        # The version the form was shown: Candidate.save() refuses (StaleEdit) if someone saved since.
        candidate.version = expected_version
    candidate.updated_by = actor
    candidate._history_user = actor  # also outside a request (import thread, shell)
    candidate.full_clean()
    try:
        with transaction.atomic():  # a savepoint: a clash leaves the caller's transaction usable
            candidate.save()
    except IntegrityError:
        # Two saves of the same citizen ID at once both passed full_clean's uniqueness check; the
        # database refused the second. The same refusal as when the number was already recorded.
        taken = Candidate.objects.filter(citizen_id=candidate.citizen_id).exclude(pk=candidate.pk)
        if not candidate.citizen_id or not taken.exists():
            raise
        message = Candidate._meta.get_field("citizen_id").error_messages["unique"]
        raise CitizenIdTaken({"citizen_id": [message]}) from None
    return candidate


@transaction.atomic
def candidate_create(*, actor, cell, listed_on, **fields):
    """List a new outstanding person in `cell` (step 1 of the pipeline)."""
    _require(actor, ADD_CANDIDATE, cell)
    candidate = Candidate(cell=cell, listed_on=listed_on, created_by=actor, **fields)
    return _save(candidate, actor)


@transaction.atomic
def candidate_update_profile(*, actor, candidate, expected_version=None, **fields):
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    _require(actor, CHANGE_PROFILE, candidate.cell)
    if "cell" in fields:
        _require(actor, CHANGE_PROFILE, fields["cell"])
    for name, value in fields.items():
        setattr(candidate, name, value)
    return _save(candidate, actor, expected_version)


@transaction.atomic
def step_record(*, actor, candidate, kind, expected_version=None, **data):
    """Record (or correct) one step, as the browser does: only a legal next step, with its
    required fields, and then every rule of the pipeline."""
    step = pipeline.get_step(kind)
    _require(actor, record_step(kind), candidate.cell, kind=kind)
    if not pipeline.is_legal(candidate, kind):
        raise ValidationError(
            _("Chưa thể ghi bước “%(step)s”: cần hoàn thành các bước trước.") % {"step": StepKind(kind).label}
        )
    unknown = set(data) - set(step.fields)
    if unknown:
        raise ValueError(f"not fields of step {kind}: {sorted(unknown)}")
    for name, value in data.items():
        setattr(candidate, name, value)
    missing = {
        name: [str(pipeline.REQUIRED_MESSAGES.get(name, _("Trường này là bắt buộc.")))]
        for name in step.required
        if not getattr(candidate, name)
    }
    if not missing and kind == StepKind.FILE and not pipeline.step_complete(candidate, kind):
        missing["introducer_2"] = [
            _("Cần hai đảng viên chính thức giới thiệu (hoặc Ban Chấp hành Đoàn/Công đoàn cơ sở và một đảng viên).")
        ]
    if missing:
        raise ValidationError(missing)
    return _save(candidate, actor, expected_version)


@transaction.atomic
def candidate_exit(*, actor, candidate, exit_date, exit_reason, exit_note=""):
    return step_record(
        actor=actor,
        candidate=candidate,
        kind=StepKind.EXIT,
        exit_date=exit_date,
        exit_reason=exit_reason,
        exit_note=exit_note,
    )


@transaction.atomic
def candidate_save_record(*, actor, candidate, **fields):
    """Save a whole record at once, e.g. a historic admission from a spreadsheet: every rule
    applies, but earlier steps may be missing (the record is then flagged incomplete).
    Only staff may do this, within their subtree."""
    for name, value in fields.items():
        setattr(candidate, name, value)
    if candidate.cell_id is None or not allows(actor, CHANGE_RECORD, candidate.cell):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức được nhập hồ sơ cho đơn vị trong phạm vi của mình."))
    if candidate.pk is None:
        candidate.created_by = actor
    return _save(candidate, actor)


# --- Awareness courses ------------------------------------------------------------------------------


def _require_course(actor, organiser):
    if not allows(actor, MANAGE_COURSE, organiser):
        raise PermissionDenied(_("Chỉ cán bộ Ban Tổ chức của đơn vị mở lớp được quản lý lớp này."))


def enrollable(candidate):
    """Whether a person may be put on an awareness course's roster: an outstanding person the cell has
    not yet considered (a certificate is needed before the cell's resolution; one past 60 months is
    taken again)."""
    return not candidate.exit_date and not candidate.resolution_date and not candidate.decision_date


@transaction.atomic
def course_save(*, actor, course, expected_version=None):
    """Open a course, or change its organiser, dates, place or number."""
    _require_course(actor, course.organiser)
    if course.pk is None:
        course.created_by = actor
    elif expected_version is not None:
        course.version = expected_version
    # Course.clean refuses a new organiser whose subtree leaves people of the roster outside.
    course._history_user = actor
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def course_enrol(*, actor, course, candidates):
    """Put outstanding persons of the cells below the organiser on the roster. All or none: a person
    outside the organiser's subtree, already gone on, or out of the actor's sight refuses the lot."""
    _require_course(actor, course.organiser)
    errors = []
    on_roster = set(course.participants.values_list("candidate_id", flat=True))
    added = []
    for candidate in candidates:
        if not allows(actor, VIEW, candidate.cell):
            errors.append(_("Không tìm thấy người được chọn."))
        elif not candidate.cell.is_within(course.organiser):
            errors.append(
                _("%(name)s không thuộc chi bộ nào trực thuộc %(organiser)s: không thể ghi danh vào lớp này.")
                % {"name": candidate.full_name, "organiser": course.organiser.name}
            )
        elif not enrollable(candidate):
            errors.append(
                _("%(name)s không còn là quần chúng ưu tú chờ học lớp bồi dưỡng (%(stage)s).")
                % {"name": candidate.full_name, "stage": candidate.get_stage_display()}
            )
        elif candidate.pk not in on_roster:
            on_roster.add(candidate.pk)
            added.append(CourseParticipant(course=course, candidate=candidate))
    if errors:
        raise ValidationError(errors)
    for participant in added:
        participant._history_user = actor
        participant.full_clean()
        participant.save()
    return added


@transaction.atomic
def course_withdraw(*, actor, participant):
    """Take a person off the roster (before a certificate is issued to them)."""
    _require_course(actor, participant.course.organiser)
    if participant.has_certificate:
        raise ValidationError(
            _("%(name)s đã được cấp giấy chứng nhận, không thể bỏ khỏi danh sách lớp.")
            % {"name": participant.candidate.full_name}
        )
    participant._history_user = actor
    participant.delete()


@transaction.atomic
def course_record_results(*, actor, course, results):
    """Attendance and results: {participant: (attended, result)}. A participant with a certificate keeps
    theirs; a pass needs full attendance (CourseParticipant.clean)."""
    _require_course(actor, course.organiser)
    errors = []
    changed = 0
    for participant, (attended, result) in results.items():
        if participant.course_id != course.pk:
            raise ValueError("participant of another course")
        if (participant.attended, participant.result) == (attended, result):
            continue
        if participant.has_certificate:
            errors.append(
                _("%(name)s đã được cấp giấy chứng nhận: không sửa kết quả.")
                % {"name": participant.candidate.full_name}
            )
            continue
        participant.attended, participant.result = attended, result
        try:
            participant.full_clean()
        except ValidationError as error:
            errors.extend(f"{participant.candidate.full_name}: {message}" for message in error.messages)
            continue
        participant._history_user = actor
        participant.save()
        changed += 1
    if errors:
        raise ValidationError(errors)
    return changed


def certificate_number(number, suffix):
    return f"{number}{suffix}"


@transaction.atomic
def course_issue_certificates(*, actor, course, first_number, issued_on, suffix=""):
    """Issue the certificates of everyone who passed and has none yet, numbered from `first_number` of
    the register in roster order, dated `issued_on`. Each person's file records the awareness-course
    step in the same action through `step_record`, so the rules of one entry apply to each (the 60
    months of validity count from `issued_on`). All or nothing: one refusal writes no certificate."""
    _require_course(actor, course.organiser)
    if issued_on < course.end_date:
        raise ValidationError(
            {
                "issued_on": _("Ngày cấp giấy chứng nhận không được trước ngày bế giảng (%(end)s).")
                % {"end": date_format(course.end_date, "d/m/Y")}
            }
        )
    participants = list(
        course.participants.filter(attended=True, result=CourseResult.PASSED, certificate_date__isnull=True)
        .select_related("candidate__cell")
        .in_roster_order()
    )
    if not participants:
        raise ValidationError(_("Không có học viên đạt nào chưa được cấp giấy chứng nhận."))
    numbers = [certificate_number(first_number + index, suffix) for index in range(len(participants))]
    taken = sorted(
        CourseParticipant.objects.filter(course__organiser=course.organiser, certificate_no__in=numbers).values_list(
            "certificate_no", flat=True
        )
    )
    if taken:
        raise ValidationError(
            {
                "first_number": _("Sổ cấp giấy chứng nhận của %(organiser)s đã có số %(numbers)s.")
                % {"organiser": course.organiser.name, "numbers": ", ".join(taken)}
            }
        )
    errors = []
    for participant, number in zip(participants, numbers):
        candidate = participant.candidate
        try:
            with transaction.atomic():
                step_record(
                    actor=actor,
                    candidate=candidate,
                    kind=StepKind.COURSE,
                    course_certificate_no=number,
                    course_date=issued_on,
                )
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            errors.append(f"{candidate.full_name}: {' '.join(messages)}")
            continue
        participant.certificate_no, participant.certificate_date = number, issued_on
        participant._history_user = actor
        participant.save()
    if errors:
        raise ValidationError(errors)
    return participants


# --- The quarterly review of the pool ----------------------------------------------------------------


@transaction.atomic
def pool_review_save(*, actor, cell, year, quarter, reviewed_on, decisions, today=None):
    """The cell's review of its pool for a quarter. `decisions` is {candidate: (decision, exit_reason,
    note)} for every person in the pool on `reviewed_on`; those who leave get the exit step through the
    rules of one entry. Saving the quarter again replaces its decisions. Raises ValidationError with
    `candidate_<pk>` keys for a person's own problem."""
    if not allows(actor, REVIEW_POOL, cell):
        raise PermissionDenied(_("Bạn không có quyền rà soát nguồn của chi bộ này."))
    if not cell.is_cell:
        raise ValidationError(_("Chỉ chi bộ rà soát danh sách quần chúng ưu tú của mình."))
    today = today or timezone.localdate()
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Quý phải từ I đến IV.")})
    start, _end = quarter_bounds(year, quarter)
    label = quarter_label(year, quarter)
    if start > today:
        raise ValidationError({"quarter": _("Chưa thể rà soát %(quarter)s: quý chưa bắt đầu.") % {"quarter": label}})
    if reviewed_on < start or reviewed_on > today:
        raise ValidationError(
            {
                "reviewed_on": _("Ngày rà soát phải từ ngày đầu %(quarter)s đến hôm nay.") % {"quarter": label},
            }
        )
    members = {c.pk: c for c in Candidate.objects.filter(cell=cell).filter(in_pool_q(reviewed_on))}
    chosen = {candidate.pk: value for candidate, value in decisions.items()}
    if set(chosen) - set(members):
        raise ValidationError(_("Danh sách quần chúng của chi bộ đã thay đổi; hãy tải lại trang và rà soát lại."))
    errors = {}
    for pk in members:
        if pk not in chosen:
            errors[f"candidate_{pk}"] = [_("Chọn kết quả rà soát cho người này.")]
    valid_reasons = {value for value, _label in POOL_EXIT_REASONS}
    for pk, (decision, exit_reason, _note) in chosen.items():
        if decision not in PoolDecision.values:
            errors[f"candidate_{pk}"] = [_("Chọn kết quả rà soát cho người này.")]
        elif decision == PoolDecision.LEAVE and exit_reason not in valid_reasons:
            errors[f"candidate_{pk}"] = [_("Đưa ra khỏi nguồn phải ghi lý do.")]
    if errors:
        raise ValidationError(errors)
    review = PoolReview.objects.filter(cell=cell, year=year, quarter=quarter).first() or PoolReview(
        cell=cell, year=year, quarter=quarter
    )
    review.reviewed_on, review.reviewed_by = reviewed_on, actor
    review._history_user = actor
    review.full_clean()
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # saved by someone else a moment ago
        raise ValidationError(_("Chi bộ vừa được người khác rà soát quý này; hãy tải lại trang.")) from None
    existing = {entry.candidate_id: entry for entry in review.entries.all()}
    for pk, (decision, exit_reason, note) in chosen.items():
        candidate = members[pk]
        if decision == PoolDecision.LEAVE:
            candidate.exit_date, candidate.exit_reason, candidate.exit_note = reviewed_on, exit_reason, note[:255]
            try:
                _save(candidate, actor)
            except ValidationError as error:
                errors[f"candidate_{pk}"] = error.messages
                continue
        else:
            exit_reason = ""
        entry = existing.get(pk) or PoolReviewEntry(review=review, candidate=candidate)
        entry.decision, entry.exit_reason, entry.note = decision, exit_reason, note[:255]
        entry._history_user = actor
        entry.full_clean()
        entry.save()
    if errors:
        raise ValidationError(errors)
    return review
