from units.backends import UnitModelBackend


def test_the_user_comes_with_its_unit_in_one_query(users, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = UnitModelBackend().get_user(users.staff_a.pk)
        assert user.unit == users.staff_a.unit


def test_an_inactive_or_unknown_account_gets_no_user(users):
    users.staff_a.is_active = False
    users.staff_a.save()
    assert UnitModelBackend().get_user(users.staff_a.pk) is None
    assert UnitModelBackend().get_user(987654) is None


def test_login_goes_through_it(client, users):
    client.force_login(users.staff_a)
    assert client.session["_auth_user_backend"] == "units.backends.UnitModelBackend"
    assert client.get("/").status_code == 200
