"""Accounts of a subtree, managed by its staff: create, disable, reset, move, and many at once.

The same rules for the pages, the pasted list and the import's sheet "Tài khoản":
- the action is MANAGE_ACCOUNTS (units.permissions), and the account's unit must lie in the actor's
  subtree: a unit outside reads exactly as an unknown one;
- the role given is one whose actions the actor's role holds too (`grantable_roles`), and a peer of
  the actor in the actor's own unit, like the actor's own account, is managed from the committee above
  (`may_grant`, `may_manage`);
- a new account, or one whose password staff reset, must change its password at its first sign-in
  (`must_change_password`, enforced by units.middleware);
- passwords are never stored in clear: a temporary password exists only in the answer that shows it
  once, and the accounts created together get theirs when their sheet is first downloaded
  (`batch_issue_credentials`);
- every action leaves a history row by the actor with its reason (django-simple-history).
"""

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .audit import fit_reason, unit_ref
from .models import AccountBatch, Unit, User
from .permissions import MANAGE_ACCOUNTS, may, may_grant, may_manage
from .roles import Role
from .text import fold

# 16 characters from 31 that cannot be misread (no 0/o, 1/l/i): about 79 bits, typed on a phone.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 4, 4
# A temporary password is random (about 79 bits), not chosen by a person: trying 2^79 candidates is out
# of reach whatever the hash's work factor, so it is hashed with a light one. Django's full work factor
# (1,000,000 PBKDF2 rounds, over a second each on a busy server) would keep a request for a province's
# 2,000 cells busy for most of an hour; 1,000 rounds take a few seconds for all of them. Django re-hashes
# it with the full work factor at the first sign-in, and the owner replaces it right after.
TEMPORARY_PASSWORD_ITERATIONS = 1_000
MAX_BULK_ROWS = 5000

USERNAME_PREFIX = {Role.SECRETARY: "bithu", Role.STAFF: "tochuc", Role.LEADERSHIP: "lanhdao"}


class CredentialKind:
    PASSWORD = "password"
    LINK = "link"
    CHOICES = (
        (PASSWORD, gettext_lazy("Mật khẩu tạm (phải đổi khi đăng nhập lần đầu)")),
        (LINK, gettext_lazy("Đường dẫn đặt mật khẩu, dùng một lần")),
    )


class SetPasswordTokenGenerator(PasswordResetTokenGenerator):
    """The one-time link's token: bound to the account's password hash and last sign-in, so it stops
    working once used (or once the password changes), and after PASSWORD_RESET_TIMEOUT."""

    key_salt = "units.accounts.SetPasswordTokenGenerator"


set_password_tokens = SetPasswordTokenGenerator()


@dataclass
class Credentials:
    """What staff pass on to the account's owner, shown once: a temporary password or a link path."""

    account: User
    password: str = ""
    link_path: str = ""  # /tai-khoan/dat-mat-khau/<uid>/<token>/: the page makes it absolute
    note: str = ""


@dataclass
class AccountRow:
    """One account asked for in a list: by unit code (a pasted line, an import row)."""

    row: int
    unit_code: str
    full_name: str = ""
    username: str = ""
    role: str = Role.SECRETARY


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    message: str

    def __str__(self):
        return _("Dòng %(row)d, %(column)s “%(value)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class BulkRefused(ValidationError):
    """A list with at least one bad row: nothing was created. `problems` says which and why."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__([str(problem) for problem in problems])


@dataclass
class BulkResult:
    batch: AccountBatch
    accounts: list = field(default_factory=list)  # in the order of the rows
    by_row: dict = field(default_factory=dict)  # row number -> account


# --- Small pieces ---------------------------------------------------------------------------------


def temporary_password():
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_LENGTH))
        for _g in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def _hash_temporary(password):
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=TEMPORARY_PASSWORD_ITERATIONS)
    return hasher.encode(password, hasher.salt())


def split_full_name(full_name):
    """'Lò Văn Bí Thư' -> ('Lò Văn Bí', 'Thư'): Django's last_name and first_name, Vietnamese order."""
    words = " ".join((full_name or "").split()).split(" ")
    if not words or words == [""]:
        return "", ""
    return " ".join(words[:-1]), words[-1]


def default_username(unit, role):
    """'bithu_a1-1' for the secretary of cell A1-1: what a list leaves blank."""
    code = re.sub(r"[^a-z0-9.@+_-]+", "-", fold(unit.code)).strip("-")
    return f"{USERNAME_PREFIX.get(role, 'tk')}_{code}"[:150]


def set_password_path(account):
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    return reverse("accounts:set_password", args=[uid, set_password_tokens.make_token(account)])


def _by(account, actor, reason):
    if actor is not None:
        account._history_user = actor
    account._change_reason = fit_reason(reason)
    return account


def _require_manage(actor, account):
    if not may_manage(actor, account):
        raise PermissionDenied(_("Bạn không được thay đổi tài khoản này."))


def _require_grant(actor, role, unit):
    if not may_grant(actor, role, unit):
        raise PermissionDenied(_("Bạn không được tạo tài khoản với vai trò này ở đơn vị này."))


def _issue(account, kind):
    """Give the account new credentials (not saved): a temporary password, or none and a link."""
    account.must_change_password = True
    if kind == CredentialKind.LINK:
        account.set_unusable_password()
        return Credentials(account)
    password = temporary_password()
    account.password = _hash_temporary(password)
    account._password = None
    return Credentials(account, password=password)


def _with_link(credentials, kind):
    if kind == CredentialKind.LINK:
        credentials.link_path = set_password_path(credentials.account)
    return credentials


# --- One account ----------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor, unit, role, username, full_name="", email="", credentials=CredentialKind.PASSWORD):
    """A new account in `unit` with `role`; returns its Credentials (shown once, never stored)."""
    _require_grant(actor, role, unit)
    last_name, first_name = split_full_name(full_name)
    account = User(
        username=(username or "").strip(),
        first_name=first_name,
        last_name=last_name,
        email=(email or "").strip(),
        unit=unit,
        role=role,
    )
    issued = _issue(account, credentials)
    account.full_clean()
    _by(account, actor, _("Tạo tài khoản"))
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # the same name taken a moment ago
        raise ValidationError({"username": _("Tên đăng nhập này đã có người dùng.")}) from None
    return _with_link(issued, credentials)


@transaction.atomic
def account_reset_password(*, actor, account, credentials=CredentialKind.PASSWORD):
    """New credentials for `account` (its old password stops working and its sessions end)."""
    _require_manage(actor, account)
    issued = _issue(account, credentials)
    reason = _("Đặt lại mật khẩu (mật khẩu tạm)") if credentials == CredentialKind.PASSWORD else None
    _by(account, actor, reason or _("Đặt lại mật khẩu (đường dẫn một lần)"))
    account.save()
    return _with_link(issued, credentials)


@transaction.atomic
def account_set_active(*, actor, account, active):
    """Disable an account (it can no longer sign in; its open sessions end at their next request) or
    enable it again."""
    _require_manage(actor, account)
    if account.is_active == active:
        return account
    account.is_active = active
    _by(account, actor, _("Mở lại tài khoản") if active else _("Khóa tài khoản"))
    account.save()
    return account


@transaction.atomic
def account_move(*, actor, account, unit, role=None):
    """Move an account to another unit of the actor's subtree (a secretary who changes cells, staff
    who change committees), with the same or another role within the ceiling."""
    _require_manage(actor, account)
    role = role or account.role
    _require_grant(actor, role, unit)
    old_unit = account.unit
    account.unit, account.role = unit, role
    account.full_clean()
    _by(
        account,
        actor,
        _("Chuyển từ “%(old)s” sang “%(new)s”") % {"old": unit_ref(old_unit), "new": unit_ref(unit)},
    )
    account.save()
    return account


def password_changed(account):
    """The owner set a password of their own (the change page, the one-time link): no more forcing."""
    account.must_change_password = False
    _by(account, account, _("Đổi mật khẩu"))
    account.save()


# --- Many accounts at once ------------------------------------------------------------------------


@transaction.atomic
def accounts_bulk_create(*, actor, rows, source, column_labels=None):
    """Create an account for each row (a pasted list, the import's sheet), all or nothing.

    Every row is checked (unit in the actor's subtree, role within the ceiling, user name free and
    valid, no two rows alike) and every problem collected; one bad row and nothing is created
    (BulkRefused). Passwords are not set here: `batch_issue_credentials` sets them when the batch's
    sheet is downloaded. Returns a BulkResult with the AccountBatch."""
    if actor is not None and not may(actor, MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Bạn không có quyền quản lý tài khoản."))
    labels = {
        "unit": _("Mã đơn vị"),
        "username": _("Tên đăng nhập"),
        "full_name": _("Họ và tên"),
        "role": _("Vai trò"),
        **(column_labels or {}),
    }
    rows = list(rows)
    problems = []
    if len(rows) > MAX_BULK_ROWS:
        raise BulkRefused(
            [
                RowProblem(
                    rows[MAX_BULK_ROWS].row,
                    labels["unit"],
                    "",
                    _("Mỗi lần tạo tối đa %(n)d tài khoản.") % {"n": MAX_BULK_ROWS},
                )
            ]
        )
    scope = Unit.objects.all() if actor is None else Unit.objects.restrict(actor, MANAGE_ACCOUNTS)
    codes = {row.unit_code.strip() for row in rows if row.unit_code}
    units = {unit.code: unit for unit in scope.filter(code__in=codes)}
    accounts, wanted = [], {}
    for row in rows:
        code = (row.unit_code or "").strip()
        unit = units.get(code)
        role = row.role or Role.SECRETARY
        if not code:
            problems.append(RowProblem(row.row, labels["unit"], "", _("Thiếu mã đơn vị.")))
            continue
        if unit is None:
            # Outside the actor's subtree reads exactly as unknown.
            problems.append(RowProblem(row.row, labels["unit"], code, _("Không có đơn vị nào mang mã này.")))
            continue
        if actor is not None and not may_grant(actor, role, unit):
            problems.append(
                RowProblem(
                    row.row,
                    labels["role"],
                    str(Role(role).label),
                    _("Bạn không được tạo tài khoản với vai trò này ở đơn vị này."),
                )
            )
            continue
        username = (row.username or "").strip() or default_username(unit, role)
        last_name, first_name = split_full_name(row.full_name)
        account = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            unit=unit,
            role=role,
            must_change_password=True,
        )
        account.set_unusable_password()
        try:
            # The unit came from the database a moment ago: no query per row to check it exists.
            account.full_clean(exclude=["unit"], validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = labels.get(name, labels["username"] if name == "username" else labels["unit"])
                for message in messages:
                    problems.append(RowProblem(row.row, column, getattr(account, name, "") or "", message))
            continue
        key = username.casefold()
        if key in wanted:
            problems.append(
                RowProblem(
                    row.row,
                    labels["username"],
                    username,
                    _("Trùng tên đăng nhập với dòng %(row)d.") % {"row": wanted[key]},
                )
            )
            continue
        wanted[key] = row.row
        accounts.append((row, account))
    taken = set(
        User.objects.filter(username__in=[account.username for _row, account in accounts]).values_list(
            "username", flat=True
        )
    )
    for row, account in accounts:
        if account.username in taken:
            problems.append(
                RowProblem(row.row, labels["username"], account.username, _("Tên đăng nhập này đã có người dùng."))
            )
    if problems:
        problems.sort(key=lambda problem: problem.row)
        raise BulkRefused(problems)
    batch = AccountBatch.objects.create(created_by=actor, source=str(source)[:255])
    try:
        with transaction.atomic():
            bulk_create_with_history(
                [account for _row, account in accounts],
                User,
                default_user=actor,
                default_change_reason=(_("Tạo tài khoản") + f" · {source}")[:100],
            )
    except IntegrityError:  # a name taken by someone else a moment ago
        raise BulkRefused(
            [RowProblem(rows[0].row, labels["username"], "", _("Tên đăng nhập vừa có người dùng; hãy gửi lại."))]
        ) from None
    if any(account.pk is None for _row, account in accounts):  # a backend that returns no keys
        ids = dict(User.objects.filter(username__in=wanted_names(accounts)).values_list("username", "pk"))
        for _row, account in accounts:
            account.pk = ids[account.username]
    batch.accounts.add(*(account for _row, account in accounts))
    return BulkResult(
        batch=batch,
        accounts=[account for _row, account in accounts],
        by_row={row.row: account for row, account in accounts},
    )


def wanted_names(accounts):
    return [account.username for _row, account in accounts]


def batch_pending(batch):
    """The batch's accounts still waiting for credentials: enabled, never signed in, still to change."""
    return batch.accounts.filter(is_active=True, last_login__isnull=True, must_change_password=True)


@transaction.atomic
def batch_issue_credentials(*, actor, batch, credentials=CredentialKind.PASSWORD):
    """Set temporary passwords (or clear them for one-time links) for the batch's accounts that have
    never signed in, and return their Credentials once, in unit order. Earlier credentials of those
    accounts stop working. Accounts the actor may no longer manage are left out."""
    batch = AccountBatch.objects.select_for_update().get(pk=batch.pk)
    accounts = [
        account
        for account in batch_pending(batch).select_related("unit").order_by("unit__path", "username")
        if may_manage(actor, account)
    ]
    issued = [_issue(account, credentials) for account in accounts]
    reason = (
        _("Cấp mật khẩu tạm") if credentials == CredentialKind.PASSWORD else _("Cấp đường dẫn đặt mật khẩu")
    ) + f" · {batch.source}"
    bulk_update_with_history(
        accounts,
        User,
        ["password", "must_change_password"],
        default_user=actor,
        default_change_reason=reason[:100],
    )
    batch.issued_at = timezone.now()
    batch.issued_by = actor
    batch.save(update_fields=["issued_at", "issued_by"])
    return [_with_link(item, credentials) for item in issued]


# --- The pasted list ------------------------------------------------------------------------------


def parse_pasted(text):
    """Lines of 'unit code; full name; user name' (tab-, semicolon- or comma-separated, as copied from
    a sheet); blank lines skipped. The role of a pasted list is the cell secretary's."""
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        if not rows and fold(line).startswith(("ma chi bo", "ma don vi")):
            continue  # the header row, copied with the cells
        separator = "\t" if "\t" in line else (";" if ";" in line else ",")
        parts = [part.strip() for part in line.split(separator)]
        parts += [""] * (3 - len(parts))
        rows.append(AccountRow(row=number, unit_code=parts[0], full_name=parts[1], username=parts[2]))
    return rows
