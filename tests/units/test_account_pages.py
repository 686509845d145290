"""The account pages: scope (outside is a 404, as unknown), the role's 403, the list's query count,
credentials shown once, and the forced password change."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import make_user
from units import accounts
from units.models import AccountBatch, Role, User


def login(client, user):
    client.force_login(user)
    return client


def test_the_list_shows_the_subtree_only(client, tree, users):
    make_user(tree.cell_b1, Role.SECRETARY, "bithu_b1")
    response = login(client, users.staff_a).get(reverse("accounts:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "bithu_a1" in text and "bithu_b1" not in text and "tochuc" not in re.sub(r"tochuc_a", "", text)


@pytest.mark.parametrize("who", ["secretary_a1", "leader"])
def test_roles_that_manage_no_accounts_get_403(client, tree, users, who):
    client.force_login(getattr(users, who))
    for url in (reverse("accounts:list"), reverse("accounts:create"), reverse("accounts:bulk_create")):
        assert client.get(url).status_code == 403


def test_the_list_has_a_fixed_number_of_queries(client, tree, users, django_assert_num_queries):
    login(client, users.staff_a)
    client.get(reverse("accounts:list"))  # warm up (session, content types)

    def queries():
        # session, account, count, the page, the recent batches
        with django_assert_num_queries(5) as captured:
            assert client.get(reverse("accounts:list"), {"sort": "-last_login"}).status_code == 200
        return len(captured)

    few = queries()
    for n in range(30):
        make_user(tree.cell_a2 if n % 2 else tree.cell_a1, Role.SECRETARY, f"bt_many_{n}")
    assert queries() == few


def test_filters_sorting_and_page_size(client, tree, users):
    make_user(tree.cell_b1, Role.SECRETARY, "bithu_b1")
    login(client, users.province_staff)
    page = lambda **params: client.get(reverse("accounts:list"), params).content.decode()  # noqa: E731
    assert "bithu_b1" in page(unit="B1-1") and "bithu_a1" not in page(unit="B1-1")
    assert "bithu_a1" in page(q="bithu a1") and "tochuc_a" not in page(q="bithu_a1")
    assert "bithu_a1" in page(status="never")
    assert "bithu_a1" in page(role="secretary") and "tochuc_a" not in page(role="secretary")
    for bad in ("-1", "²", "9" * 30, "100000000"):
        assert client.get(reverse("accounts:list"), {"per_page": bad}).status_code == 200
    names = lambda **params: [  # noqa: E731
        row.record.username for row in client.get(reverse("accounts:list"), params).context["table"].page.object_list
    ]
    assert names(sort="username") == sorted(names(sort="username"))
    assert names(sort="-username") == sorted(names(sort="username"), reverse=True)
    assert names(sort="nonsense") == names()  # an unknown column: the default order
    assert len(names(per_page="10")) == 5 and names(unit="A1-1", status="active") == ["bithu_a1"]
    assert f"{reverse('accounts:create')}?don-vi=B1-1" in page(unit="B1-1")
    assert client.get(reverse("accounts:create"), {"don-vi": "B1-1"}).context["form"]["unit"].value() == "B1-1"
    login(client, users.staff_a)
    assert "bithu_b1" not in page(unit="B1-1")  # outside: nothing, as an unknown code


def test_outside_and_unknown_accounts_are_the_same_404(client, tree, users):
    outside = make_user(tree.cell_b1, Role.SECRETARY, "bithu_b1")
    login(client, users.staff_a)
    for pk in (outside.pk, 999999):
        for name in ("accounts:detail", "accounts:move"):
            assert client.get(reverse(name, args=[pk])).status_code == 404
        for name in ("accounts:reset_password", "accounts:set_active", "accounts:move"):
            assert client.post(reverse(name, args=[pk]), {"active": "0"}).status_code == 404
    assert User.objects.get(pk=outside.pk).is_active


def test_a_unit_code_outside_reads_as_unknown_in_the_form(client, tree, users):
    login(client, users.staff_a)
    answers = []
    for code in ("B1-1", "NOPE"):
        response = client.post(
            reverse("accounts:create"),
            {"unit": code, "role": "secretary", "username": f"x_{code}", "credentials": "password"},
        )
        assert response.status_code == 200
        answers.append(response.context["form"].errors["unit"])
    assert answers[0] == answers[1] == ["Không có đơn vị nào mang mã này."]
    assert not User.objects.filter(username__startswith="x_").exists()


def test_create_shows_the_temporary_password_once_and_the_owner_must_change_it(client, tree, users):
    login(client, users.staff_a)
    response = client.post(
        reverse("accounts:create"),
        {
            "unit": "A1-2",
            "role": "secretary",
            "full_name": "Lò Thị Hoa",
            "username": "bithu_hoa",
            "credentials": "password",
        },
    )
    assert response.status_code == 200
    password = re.search(r'data-testid="temporary-password">([^<]+)<', response.content.decode()).group(1)
    account = User.objects.get(username="bithu_hoa")
    assert account.must_change_password and password not in account.password
    detail = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert password not in detail and "Tạo tài khoản" in detail  # never again; in the history

    client.logout()
    assert client.post(reverse("login"), {"username": "bithu_hoa", "password": password}).status_code == 302
    for url in (reverse("home"), reverse("recruitment:candidate_list"), reverse("accounts:list")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:password_change"))
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and 'data-testid="must-change"' in page.content.decode()
    same = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in same.content.decode()
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "Hoa-chi-bo-2026!",
            "new_password2": "Hoa-chi-bo-2026!",
            "next": "/",
        },
    )
    assert changed.status_code == 302 and changed.url == "/"
    assert client.get(reverse("home")).status_code == 200
    assert not User.objects.get(pk=account.pk).must_change_password
    assert User.objects.get(pk=account.pk).history.latest("history_id").history_change_reason == "Đổi mật khẩu"


def test_logout_is_not_held_by_the_forced_change(client, tree, users):
    accounts.account_reset_password(actor=users.staff_a, account=users.secretary_a1)
    login(client, User.objects.get(pk=users.secretary_a1.pk))
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).url.startswith(reverse("login"))


def test_reset_by_one_time_link(client, tree, users):
    login(client, users.staff_a)
    response = client.post(reverse("accounts:reset_password", args=[users.secretary_a1.pk]), {"credentials": "link"})
    link = re.search(r'data-testid="set-password-link">([^<]+)<', response.content.decode()).group(1)
    client.logout()
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Bi-thu-moi-77", "new_password2": "Bi-thu-moi-77"})
    assert done.status_code == 302 and done.url == reverse("login")
    account = User.objects.get(pk=users.secretary_a1.pk)
    assert account.check_password("Bi-thu-moi-77") and not account.must_change_password
    again = client.get(path, follow=True)
    assert again.status_code == 404 and not again.context["validlink"]
    assert "Đường dẫn này không còn dùng được" in again.content.decode()


def test_a_disabled_accounts_link_is_dead(client, tree, users):
    issued = accounts.account_reset_password(actor=users.staff_a, account=users.secretary_a1, credentials="link")
    accounts.account_set_active(actor=users.staff_a, account=issued.account, active=False)
    dead = client.get(issued.link_path, follow=True)
    assert dead.status_code == 404 and not dead.context["validlink"]


def test_disable_ends_the_open_session_and_move_changes_the_cell(client, tree, users):
    from django.test import Client

    secretary = Client()
    secretary.force_login(users.secretary_a1)
    assert secretary.get(reverse("home")).status_code == 200
    login(client, users.staff_a)
    response = client.post(reverse("accounts:set_active", args=[users.secretary_a1.pk]), {"active": "0"}, follow=True)
    assert "Đã khóa tài khoản bithu_a1" in response.content.decode()
    assert secretary.get(reverse("home")).status_code == 302  # signed out
    client.post(reverse("accounts:set_active", args=[users.secretary_a1.pk]), {"active": "1"})
    response = client.post(
        reverse("accounts:move", args=[users.secretary_a1.pk]), {"unit": "A1-2", "role": "secretary"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=users.secretary_a1.pk).unit == tree.cell_a2
    refused = client.post(reverse("accounts:move", args=[users.secretary_a1.pk]), {"unit": "A1", "role": "secretary"})
    assert refused.status_code == 200 and "chi bộ" in refused.content.decode()


def test_ones_own_account_and_a_peers_are_403(client, tree, users):
    peer = make_user(tree.committee_a, Role.STAFF, "tochuc_a2")
    login(client, users.staff_a)
    for account in (peer, users.staff_a):
        assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 200
        assert client.post(reverse("accounts:reset_password", args=[account.pk])).status_code == 403
        assert client.post(reverse("accounts:set_active", args=[account.pk]), {"active": "0"}).status_code == 403
    assert User.objects.get(pk=peer.pk).is_active


def test_bulk_paste_then_download_the_passwords_once(client, tree, users):
    login(client, users.staff_a)
    response = client.post(
        reverse("accounts:bulk_create"), {"lines": "Mã chi bộ\tHọ và tên\nA1-1\tLò Văn Một\nA1-2\tQuàng Thị Hai\n"}
    )
    batch = AccountBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("accounts:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "bithu_a1-1" in page and "bithu_a1-2" in page
    download = client.post(reverse("accounts:batch_download", args=[batch.pk]), {"credentials": "password"})
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(download.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Mã đơn vị", "Tên đơn vị", "Họ và tên", "Tên đăng nhập", "Mật khẩu tạm")
    for _code, _name, _full, username, password in rows[1:]:
        assert User.objects.get(username=username).check_password(password)
    # Someone else's batch: 404 as unknown.
    other = make_user(tree.committee_a, Role.STAFF, "tochuc_a3")
    other_client = type(client)()
    other_client.force_login(other)
    assert other_client.get(reverse("accounts:batch", args=[batch.pk])).status_code == 404
    assert other_client.post(reverse("accounts:batch_download", args=[batch.pk])).status_code == 404


def test_bulk_paste_with_a_bad_row_creates_nothing(client, tree, users):
    login(client, users.staff_a)
    before = User.objects.count()
    response = client.post(reverse("accounts:bulk_create"), {"lines": "A1-1\tMột\nB1-1\tNgoài\n"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dòng 2, mã chi bộ “B1-1”: Không có đơn vị nào mang mã này." in text
    assert tree.cell_b1.name not in text
    assert User.objects.count() == before
    bad = client.post(reverse("accounts:bulk_create"), {"lines": "A1-1\tM\uffffột\n"})
    assert bad.status_code == 200 and "ký tự" in bad.content.decode()
