import datetime

import pytest

from units.models import GrassrootsType, Role, UnitKind

from .factories import make_unit, make_user

# Counts the inputs the property-based tests generate; fails a run of the whole suite with too few.
pytest_plugins = ["tests.property_count"]


@pytest.fixture(autouse=True)
def default_language():
    """A request through the test client leaves its language active in the thread; start each test
    from the default (Vietnamese) as a new request would."""
    from django.utils import translation

    yield
    translation.activate("vi")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 is deliberately slow; tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def reference_data(request):
    """The ethnicities and religions the data migration loads. A transactional test (the browser
    tests) flushes every table when it ends, so restore them for whatever test runs next."""
    if not _DB_FIXTURES & set(request.fixturenames):
        return
    # Autouse fixtures run first: open the test's own kind of database access before querying.
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from recruitment import reference_data
    from recruitment.models import Ethnicity, Religion

    if Ethnicity.objects.count() < len(reference_data.ETHNICITIES) or not Religion.objects.exists():
        reference_data.load(Ethnicity, Religion)


@pytest.fixture(autouse=True)
def login_lockout_off(settings):
    # django-axes needs the request to authenticate, which client.login() does not pass; the lock-out
    # is switched back on in tests/test_security.py, which logs in through the login page.
    settings.AXES_ENABLED = False


@pytest.fixture
def tree(db):
    """Two branches of a four-level tree (province, committee, grassroots committee, cell) plus a
    grassroots cell, as a namespace: tree.province, tree.committee_a, tree.org_a, tree.cell_a1, ...
    """

    class Tree:
        pass

    t = Tree()
    t.province = make_unit(None, code="P", name="Đảng bộ tỉnh Thử")
    t.committee_a = make_unit(t.province, code="A", name="Đảng bộ huyện A")
    t.committee_b = make_unit(t.province, code="B", name="Đảng bộ huyện B")
    t.org_a = make_unit(t.committee_a, code="A1", name="Đảng bộ xã A1")
    t.cell_a1 = make_unit(t.org_a, code="A1-1", name="Chi bộ thôn 1")
    t.cell_a2 = make_unit(t.org_a, code="A1-2", name="Chi bộ thôn 2")
    t.org_b = make_unit(t.committee_b, code="B1", name="Đảng bộ phường B1")
    t.cell_b1 = make_unit(t.org_b, code="B1-1", name="Chi bộ tổ dân phố 1")
    t.enterprise = make_unit(
        t.committee_b,
        UnitKind.GRASSROOTS_CELL,
        code="B2",
        name="Chi bộ Công ty TNHH B2",
        grassroots_type=GrassrootsType.PRIVATE_ENTERPRISE,
    )
    return t


@pytest.fixture
def users(tree):
    class Users:
        pass

    u = Users()
    u.province_staff = make_user(tree.province, Role.STAFF, "tochuc")
    u.staff_a = make_user(tree.committee_a, Role.STAFF, "tochuc_a")
    u.leader = make_user(tree.province, Role.LEADERSHIP, "lanhdao")
    u.secretary_a1 = make_user(tree.cell_a1, Role.SECRETARY, "bithu_a1")
    return u


@pytest.fixture
def today():
    return datetime.date.today()
