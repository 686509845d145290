"""units.accounts: staff manage the accounts of their own subtree, within their role's ceiling."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import make_user
from units import accounts, permissions
from units.accounts import AccountRow, BulkRefused, CredentialKind
from units.audit import unit_ref
from units.models import AccountBatch, Role, User


def test_staff_create_a_secretary_in_their_subtree_who_must_change_the_password(tree, users):
    issued = accounts.account_create(
        actor=users.staff_a, unit=tree.cell_a1, role=Role.SECRETARY, username="bithu_moi", full_name="Lò Văn Mới"
    )
    account = User.objects.get(username="bithu_moi")
    assert (account.last_name, account.first_name, account.get_full_name()) == ("Lò Văn", "Mới", "Lò Văn Mới")
    assert account.must_change_password and account.unit == tree.cell_a1 and account.role == Role.SECRETARY
    assert len(issued.password) == 19 and issued.password.count("-") == 3
    assert issued.password not in account.password  # hashed, never kept in clear
    assert authenticate(username="bithu_moi", password=issued.password) == account
    created = account.history.get()
    assert created.history_type == "+" and created.history_user == users.staff_a
    assert created.history_change_reason == "Tạo tài khoản"
    assert not hasattr(created, "password")  # the hash is not in the history either


def test_a_unit_outside_the_subtree_is_refused(tree, users):
    with pytest.raises(PermissionDenied):
        accounts.account_create(actor=users.staff_a, unit=tree.cell_b1, role=Role.SECRETARY, username="x1")
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.LEADERSHIP])
def test_roles_without_the_action_create_nothing(tree, users, role):
    actor = make_user(tree.cell_a1 if role == Role.SECRETARY else tree.committee_a, role)
    with pytest.raises(PermissionDenied):
        accounts.account_create(actor=actor, unit=tree.cell_a1, role=Role.SECRETARY, username="x2")


def test_the_role_ceiling_is_the_actors_actions(tree, users, monkeypatch):
    # Staff hold every action of every role: they may give each one (below their own unit).
    assert set(permissions.grantable_roles(users.staff_a)) == set(Role)
    # Give leadership an action staff lack: staff may no longer create leadership accounts.
    monkeypatch.setitem(permissions.ROLE_ACTIONS, Role.LEADERSHIP, {*permissions.ROLE_ACTIONS[Role.LEADERSHIP], "x"})
    assert Role.LEADERSHIP not in permissions.grantable_roles(users.staff_a)
    with pytest.raises(PermissionDenied):
        accounts.account_create(actor=users.staff_a, unit=tree.org_a, role=Role.LEADERSHIP, username="x3")


def test_a_peer_in_ones_own_unit_is_managed_from_above(tree, users):
    with pytest.raises(PermissionDenied):  # another staff member of committee A: the province creates it
        accounts.account_create(actor=users.staff_a, unit=tree.committee_a, role=Role.STAFF, username="x4")
    leader = accounts.account_create(
        actor=users.staff_a, unit=tree.committee_a, role=Role.LEADERSHIP, username="lanhdao_a2"
    ).account
    assert leader.unit == tree.committee_a  # a lower role in one's own unit is fine
    peer = make_user(tree.committee_a, Role.STAFF, "tochuc_a2")
    for action in (
        lambda account: accounts.account_reset_password(actor=users.staff_a, account=account),
        lambda account: accounts.account_set_active(actor=users.staff_a, account=account, active=False),
    ):
        for account in (peer, users.staff_a):
            with pytest.raises(PermissionDenied):
                action(account)
    accounts.account_set_active(actor=users.province_staff, account=peer, active=False)  # from above


def test_a_secretary_sits_in_a_cell(tree, users):
    with pytest.raises(ValidationError) as refused:
        accounts.account_create(actor=users.staff_a, unit=tree.org_a, role=Role.SECRETARY, username="x5")
    assert "chi bộ" in str(refused.value)


def test_disable_ends_sign_in_and_is_recorded(tree, users):
    accounts.account_set_active(actor=users.staff_a, account=users.secretary_a1, active=False)
    assert authenticate(username="bithu_a1", password="pw-for-tests-1") is None
    last = users.secretary_a1.history.latest("history_id")
    assert (last.history_user, last.history_change_reason, last.is_active) == (
        users.staff_a,
        "Khóa tài khoản",
        False,
    )
    accounts.account_set_active(actor=users.staff_a, account=users.secretary_a1, active=True)
    assert authenticate(username="bithu_a1", password="pw-for-tests-1") == users.secretary_a1


def test_reset_gives_a_temporary_password_and_forces_a_change(tree, users):
    issued = accounts.account_reset_password(actor=users.staff_a, account=users.secretary_a1)
    account = User.objects.get(pk=users.secretary_a1.pk)
    assert account.must_change_password
    assert authenticate(username="bithu_a1", password="pw-for-tests-1") is None  # the old one is gone
    assert authenticate(username="bithu_a1", password=issued.password) == account
    assert account.history.latest("history_id").history_change_reason == "Đặt lại mật khẩu (mật khẩu tạm)"
    accounts.password_changed(account)
    assert not User.objects.get(pk=account.pk).must_change_password


def test_reset_by_link_leaves_no_password_and_a_one_time_token(tree, users):
    issued = accounts.account_reset_password(
        actor=users.staff_a, account=users.secretary_a1, credentials=CredentialKind.LINK
    )
    account = User.objects.get(pk=users.secretary_a1.pk)
    assert not account.has_usable_password() and issued.password == ""
    assert issued.link_path.startswith("/tai-khoan/dat-mat-khau/")
    token = issued.link_path.rstrip("/").rsplit("/", 1)[1]
    assert accounts.set_password_tokens.check_token(account, token)
    account.set_password("a-new-secret-9")
    account.save()
    assert not accounts.set_password_tokens.check_token(account, token)  # used: dead


def test_move_a_secretary_to_another_cell(tree, users):
    accounts.account_move(actor=users.staff_a, account=users.secretary_a1, unit=tree.cell_a2)
    account = User.objects.get(pk=users.secretary_a1.pk)
    assert account.unit == tree.cell_a2
    last = account.history.latest("history_id")
    assert last.history_change_reason == f"Chuyển từ “{unit_ref(tree.cell_a1)}” sang “{unit_ref(tree.cell_a2)}”"
    with pytest.raises(PermissionDenied):  # not out of the subtree
        accounts.account_move(actor=users.staff_a, account=account, unit=tree.cell_b1)
    with pytest.raises(ValidationError):  # a secretary stays in a cell
        accounts.account_move(actor=users.staff_a, account=account, unit=tree.org_a)
    assert User.objects.get(pk=account.pk).unit == tree.cell_a2


def rows(*items):
    return [
        AccountRow(row=n, unit_code=code, full_name=name, username=username)
        for n, (code, name, username) in enumerate(items, 2)
    ]


def test_bulk_creates_every_row_with_history_and_passwords_only_on_download(tree, users):
    result = accounts.accounts_bulk_create(
        actor=users.staff_a,
        rows=rows(("A1-1", "Lò Văn Một", ""), ("A1-2", "Quàng Thị Hai", "bt2")),
        source="Danh sách thử",
    )
    created = {account.username: account for account in result.accounts}
    assert set(created) == {"bithu_a1-1", "bt2"}
    assert all(not a.has_usable_password() and a.must_change_password for a in created.values())
    assert all(a.history.get().history_user == users.staff_a for a in created.values())
    assert set(accounts.batch_pending(result.batch)) == set(created.values())

    issued = accounts.batch_issue_credentials(actor=users.staff_a, batch=result.batch)
    assert [item.account.username for item in issued] == ["bithu_a1-1", "bt2"]  # unit order
    for item in issued:
        assert authenticate(username=item.account.username, password=item.password) is not None
    batch = AccountBatch.objects.get(pk=result.batch.pk)
    assert batch.issued_by == users.staff_a and batch.issued_at is not None
    # Issued again: only those never signed in, and the earlier passwords stop working.
    again = accounts.batch_issue_credentials(actor=users.staff_a, batch=batch)
    assert authenticate(username="bt2", password=issued[1].password) is None
    assert authenticate(username="bt2", password=again[1].password) is not None


def test_bulk_is_all_or_nothing_with_every_problem_by_row(tree, users):
    make_user(tree.cell_a2, Role.SECRETARY, "taken")
    before = User.objects.count()
    with pytest.raises(BulkRefused) as refused:
        accounts.accounts_bulk_create(
            actor=users.staff_a,
            rows=rows(
                ("A1-1", "Đúng", "good1"),
                ("B1-1", "Ngoài phạm vi", ""),  # outside: as unknown
                ("ZZZ", "Không có", ""),
                ("A1", "Không phải chi bộ", ""),
                ("A1-2", "Trùng", "taken"),
                ("A1-2", "Trùng dòng", "good1"),
                ("A1-2", "Sai tên", "có dấu cách"),
            ),
            source="x",
        )
    problems = {problem.row: problem.message for problem in refused.value.problems}
    assert set(problems) == {3, 4, 5, 6, 7, 8}
    assert problems[3] == problems[4] == "Không có đơn vị nào mang mã này."
    assert "chi bộ" in problems[5]
    assert problems[6] == "Tên đăng nhập này đã có người dùng."
    assert problems[7] == "Trùng tên đăng nhập với dòng 2."
    assert User.objects.count() == before and not AccountBatch.objects.exists()


def test_the_pasted_list_reads_tabs_semicolons_and_a_header():
    parsed = accounts.parse_pasted("Mã chi bộ\tHọ và tên\nA1-1\tLò Văn Một\n\nA1-2; Hai ; bt2\n")
    assert [(r.row, r.unit_code, r.full_name, r.username) for r in parsed] == [
        (2, "A1-1", "Lò Văn Một", ""),
        (4, "A1-2", "Hai", "bt2"),
    ]


def test_a_sign_in_leaves_no_history_row(client, tree, users):
    before = users.secretary_a1.history.count()
    assert client.login(username="bithu_a1", password="pw-for-tests-1")
    assert User.objects.get(pk=users.secretary_a1.pk).last_login is not None
    assert users.secretary_a1.history.count() == before


def test_the_user_list_is_scoped_and_hides_administrators(tree, users):
    User.objects.create_superuser("root", password="x", unit=tree.committee_a)
    seen = set(User.objects.restrict(users.staff_a, permissions.MANAGE_ACCOUNTS).values_list("username", flat=True))
    assert seen == {"tochuc_a", "bithu_a1"}
    assert not User.objects.restrict(users.leader, permissions.MANAGE_ACCOUNTS).exists()


def test_temporary_passwords_use_a_lighter_hash_upgraded_at_first_sign_in(tree, users, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    issued = accounts.account_reset_password(actor=users.staff_a, account=users.secretary_a1)
    stored = User.objects.get(pk=users.secretary_a1.pk).password
    assert stored.startswith(f"pbkdf2_sha256${accounts.TEMPORARY_PASSWORD_ITERATIONS}$")
    assert authenticate(username="bithu_a1", password=issued.password) is not None
    upgraded = User.objects.get(pk=users.secretary_a1.pk).password
    assert upgraded.startswith("pbkdf2_sha256$1000000$")  # Django re-hashed it with the full work factor


def test_bulk_create_and_issue_cost_no_query_per_row(tree, users):
    from tests.factories import make_unit

    cells = [make_unit(tree.org_a, code=f"A1-C{n:03d}") for n in range(60)]

    def run(count):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        wanted = [AccountRow(row=n + 2, unit_code=cell.code) for n, cell in enumerate(cells[:count])]
        with CaptureQueriesContext(connection) as created:
            result = accounts.accounts_bulk_create(actor=users.staff_a, rows=wanted, source="x")
        with CaptureQueriesContext(connection) as issued:
            accounts.batch_issue_credentials(actor=users.staff_a, batch=result.batch)
        User.objects.filter(pk__in=[a.pk for a in result.accounts]).delete()
        return len(created), len(issued)

    few, many = run(3), run(60)
    assert many[0] <= few[0] + 2 and many[1] <= few[1] + 2  # batches of inserts, not a query a row
