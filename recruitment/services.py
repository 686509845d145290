"""The actions that change a candidate. The browser, the Excel import and the admin all come here
(or to Candidate.full_clean, which runs the same rules), so a rule is written once.

All functions are keyword-only, atomic, and raise ValidationError (field -> messages) or
PermissionDenied; nothing is written when they raise.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from units.permissions import allows

from . import pipeline
from .models import Candidate
from .permissions import ADD_CANDIDATE, CHANGE_PROFILE, CHANGE_RECORD, record_step
from .pipeline import StepKind

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
