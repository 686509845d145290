"""Who may do what, asked one way: `Model.objects.restrict(user, action)`.

As NetBox does it (`utilities/querysets.py`, RestrictedQuerySet): every scoped model's queryset answers
`.restrict(user, action)` with the rows the user may take that action on, and nothing else in the code
decides permission. Two things make the answer:

- the **role** (ROLE_ACTIONS): which actions an account's role may take at all;
- the **scope**: the account's unit and everything below it (SCOPE_BELOW for actions on the units
  strictly below, such as reopening a quarter a unit below closed). A superuser has every action
  everywhere; an account without a unit has none.

`allows(user, action, unit)` is the same rule for one object already in hand (a service checking its
actor, a template deciding whether to draw a button) and costs no query. Pages go through
units.mixins, which fetch their object through `restrict(user, "view")` (absent: 404) and then ask
for the page's action (refused: 403).

Apps above this one add their own actions with `grant()` (recruitment grants the pipeline's steps),
so this module names no model of theirs.
"""

from django.db import models

from .roles import Role

VIEW = "view"
CHANGE = "change"  # units, targets, headcounts: the organisation board's work
VIEW_HISTORY = "view_history"  # the change feed of a subtree
IMPORT = "import"  # upload and run a workbook
CLOSE_QUARTER = "close_quarter"
REOPEN_QUARTER = "reopen_quarter"
VIEW_CITIZEN_ID = "view_citizen_id"  # the full number, on a record and in an export
VIEW_READ_LOG = "view_read_log"  # who read what: exports and full citizen IDs, by accounts of the subtree
REORGANISE = "reorganise"  # establish, merge, consolidate, split, move, rename, dissolve units below
MANAGE_ACCOUNTS = "manage_accounts"  # create, disable, reset, move the accounts of the subtree (units.accounts)

ROLE_ACTIONS = {
    Role.STAFF: {
        VIEW,
        CHANGE,
        VIEW_HISTORY,
        IMPORT,
        CLOSE_QUARTER,
        REOPEN_QUARTER,
        VIEW_CITIZEN_ID,
        VIEW_READ_LOG,
        MANAGE_ACCOUNTS,
        REORGANISE,
    },
    Role.LEADERSHIP: {VIEW},
    Role.SECRETARY: {VIEW},
}

# Actions taken on the units strictly below the account's own (the committee above reopens).
SCOPE_BELOW = {REOPEN_QUARTER, REORGANISE}


def grant(role, *actions):
    """Let `role` take `actions` (called once by the apps that define them, when they load)."""
    ROLE_ACTIONS.setdefault(role, set()).update(actions)


def may(user, action):
    """Whether the user's role may take `action` at all, wherever."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.unit_id is not None and action in ROLE_ACTIONS.get(user.role, ())


def allows(user, action, unit):
    """Whether the user may take `action` on something of `unit` (a unit, its target, a person in it):
    the rule of `restrict()`, for one object in hand, without a query."""
    if not may(user, action):
        return False
    if user.is_superuser:
        return True
    own = user.unit.path
    if not unit.path.startswith(own):
        return False
    return unit.path != own if action in SCOPE_BELOW else True


def grantable_roles(user):
    """The roles `user` may give an account: those whose actions are all the user's own role's too,
    so no account can hand out more than it holds (a superuser: every role)."""
    if not may(user, MANAGE_ACCOUNTS):
        return []
    if user.is_superuser:
        return list(Role)
    own = ROLE_ACTIONS.get(user.role, set())
    return [role for role in Role if ROLE_ACTIONS.get(role, set()) <= own]


def may_grant(user, role, unit):
    """Whether `user` may hold an account of `role` in `unit`: the unit in the user's subtree, the role
    within the ceiling, and never an equal of the user in the user's own unit (a peer's account, like
    the user's own, is managed from the committee above, so nobody takes over a colleague's)."""
    if unit is None or role not in grantable_roles(user) or not allows(user, MANAGE_ACCOUNTS, unit):
        return False
    if user.is_superuser:
        return True
    return not (unit.path == user.unit.path and ROLE_ACTIONS.get(role, set()) >= ROLE_ACTIONS.get(user.role, set()))


def may_manage(user, account):
    """Whether `user` may disable, reset, move or change `account` (one already in their scope)."""
    if account.pk == user.pk or (account.is_superuser and not user.is_superuser):
        return False
    return may_grant(user, account.role, account.unit) if account.unit_id else user.is_superuser


class RestrictedQuerySet(models.QuerySet):
    """A queryset that answers `restrict(user, action)`. `scope_path` is the lookup from a row to the
    path of the unit that scopes it ("path" for a unit, "cell__path" for a person)."""

    scope_path = "unit__path"

    def restrict(self, user, action=VIEW):
        if not may(user, action):
            return self.none()
        if user.is_superuser:
            return self
        own = user.unit.path
        rows = self.filter(**{f"{self.scope_path}__startswith": own})
        if action in SCOPE_BELOW:
            rows = rows.exclude(**{self.scope_path: own})
        return rows
