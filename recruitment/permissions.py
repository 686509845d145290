"""The pipeline's actions in the one permission vocabulary (units.permissions).

Staff record every step in their subtree; a cell secretary lists outstanding persons and records the
awareness course in their own cell (the steps marked `secretary_may_record`) and reviews its pool each
quarter; staff also open awareness courses and issue their certificates; leadership reads only.
"""

from units.permissions import CHANGE, grant
from units.roles import Role

from .pipeline import EXIT_STEP, STEPS

ADD_CANDIDATE = "add_candidate"
CHANGE_PROFILE = "change_profile"
# Open awareness courses, keep their rosters and issue their certificates: the organisation board's work.
MANAGE_COURSE = "manage_course"
# Review a cell's pool of outstanding persons each quarter: the cell's secretary, or staff above it.
REVIEW_POOL = "review_pool"
# A whole record at once (a historic admission from a spreadsheet): the organisation board's work.
CHANGE_RECORD = CHANGE


def record_step(kind):
    """The action of recording (or correcting) one step of the pipeline."""
    return f"record_{kind}"


def register():
    every_step = [*STEPS, EXIT_STEP]
    grant(
        Role.STAFF,
        ADD_CANDIDATE,
        CHANGE_PROFILE,
        MANAGE_COURSE,
        REVIEW_POOL,
        *(record_step(step.kind) for step in every_step),
    )
    grant(
        Role.SECRETARY,
        ADD_CANDIDATE,
        CHANGE_PROFILE,
        REVIEW_POOL,
        *(record_step(step.kind) for step in every_step if step.secretary_may_record),
    )
