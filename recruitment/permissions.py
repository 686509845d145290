"""The pipeline's actions in the one permission vocabulary (units.permissions).

Staff record every step in their subtree; a cell secretary lists outstanding persons and records the
awareness course in their own cell (the steps marked `secretary_may_record`); leadership reads only.
"""

from units.permissions import CHANGE, grant
from units.roles import Role

from .pipeline import EXIT_STEP, STEPS

ADD_CANDIDATE = "add_candidate"
CHANGE_PROFILE = "change_profile"
# A whole record at once (a historic admission from a spreadsheet): the organisation board's work.
CHANGE_RECORD = CHANGE


def record_step(kind):
    """The action of recording (or correcting) one step of the pipeline."""
    return f"record_{kind}"


def register():
    every_step = [*STEPS, EXIT_STEP]
    grant(Role.STAFF, ADD_CANDIDATE, CHANGE_PROFILE, *(record_step(step.kind) for step in every_step))
    grant(
        Role.SECRETARY,
        ADD_CANDIDATE,
        CHANGE_PROFILE,
        *(record_step(step.kind) for step in every_step if step.secretary_may_record),
    )
