"""The reports' actions in the one permission vocabulary (units.permissions): the organisation
board of a unit submits its quarterly return; the committee above reads what was sent."""

from units.permissions import grant
from units.roles import Role

SUBMIT_RETURN = "submit_return"


def register():
    grant(Role.STAFF, SUBMIT_RETURN)
