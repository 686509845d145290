"""The sheet "Tài khoản": secretaries' (or other) accounts for many units, through the same service as
the browser's pasted list (units.accounts.accounts_bulk_create): the unit in the importer's subtree
(outside reads as unknown), the role within their ceiling, the user name free; any bad row and the
whole import writes nothing.

No password is set here: the accounts are gathered in a batch (units.models.AccountBatch) whose page,
linked from the import's, sets temporary passwords on the first download and shows them that once.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from units import accounts as account_service
from units.roles import Role

from . import values
from .errors import RowError
from .preview import CREATED

COLUMNS = {
    "unit": (values.code, True),
    "full_name": (values.text, False),
    "username": (values.code, False),
    "role": (values.Choices(Role), False),
}


def import_accounts(job, sheet, rows):
    """`rows` are the sheet's cells read before the transaction opened (ImportJob.parse, with COLUMNS)."""
    wanted = [
        account_service.AccountRow(
            row=row.number,
            unit_code=row.values["unit"],
            full_name=row.values["full_name"],
            username=row.values["username"],
            role=row.values["role"] or Role.SECRETARY,
        )
        for row in rows
        if row.ok
    ]
    if not wanted:
        return
    headers = {key: sheet.spec.column(key).header for key in COLUMNS}
    try:
        result = account_service.accounts_bulk_create(
            actor=job.actor, rows=wanted, source=job.reason, column_labels=headers
        )
    except PermissionDenied as refused:  # an importer whose role manages no accounts
        job.result.errors.append(RowError(sheet.title, None, "", "", str(refused)))
        return
    except account_service.BulkRefused as refused:
        for problem in refused.problems:
            job.result.errors.append(RowError(sheet.title, problem.row, problem.column, problem.value, problem.message))
        return
    job.account_batch = result.batch
    job.add("accounts_created", len(result.accounts))
    preview = job.preview.of(sheet)
    for number, account in result.by_row.items():
        preview.row(
            number,
            CREATED,
            f"{account.username} · {account.unit.code}",
            [
                (headers["role"], None, str(Role(account.role).label)),
                (headers["full_name"], None, account.get_full_name()),
            ],
            [_("Mật khẩu tạm được cấp khi tải danh sách tài khoản, sau khi nhập.")],
        )
