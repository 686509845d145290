"""Scope, proven on every URL the project has.

Each URL pattern (walked from the root URLconf, so a new page cannot slip by) is named in ROUTES with how
to build its arguments from a set of objects. For staff of committee A, leadership of committee A and the
secretary of cell A1-1, every pattern is requested, GET and POST, with the ids/codes of objects OUTSIDE
their subtree: the answer is a 404 (or a 403 where the role may not take the action at all), never a 200
carrying the outside person, never a 500. The same arguments built from INSIDE objects give a page, so the
404s above are not the 404 of a badly built URL. Pages without arguments (lists, board, to-do, reports,
exports, search) are searched, HTML or workbook, for the outside people's and units' names.

A URL pattern missing from ROUTES fails `test_every_url_pattern_is_in_the_table`: add it, with its kwargs.
"""

import datetime
import io
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from openpyxl import load_workbook

from recruitment.models import Candidate, CandidateExport, Course, CourseParticipant, ImportStatus, WorkbookImport
from reports.models import ReportFile, ReportFileStatus, SubmittedReturn
from tests.factories import CandidateFactory, admitted_fields, make_user
from units import services as unit_services
from units.accounts import set_password_tokens
from units.models import AccountBatch, ClosedQuarter, Role

# Actions that answer a POST only (a redirect after doing their work).
POST_ONLY = (
    "imports:confirm",
    "imports:discard",
    "imports:retry",
    "units:quarter_close",
    "units:quarter_reopen",
    "reports:file_retry",
    "recruitment:candidate_export_retry",
    "accounts:reset_password",
    "accounts:set_active",
    "accounts:batch_download",
    "recruitment:course_enrol",
    "recruitment:course_results",
    "recruitment:course_withdraw",
)
# What a POST_ONLY action answers when it works (a redirect unless named here), and what a page answers
# to a GET with inside kwargs (200 unless named here).
POST_STATUS = {"accounts:reset_password": 200}  # the credentials, shown in the answer
GET_STATUS = {
    "accounts:set_password": 302,  # a valid one-time link goes on to its token-less page
    "reports:file_download": 302,  # these built files have nothing on disk: back to their job's page
    "recruitment:candidate_export_download": 302,  # the same
}
# Forms that answer a POST only: an empty one comes back as the page with its errors.
POST_FORMS = ("recruitment:course_certificates",)

# URL name -> how to build its kwargs from a namespace of objects (None: the pattern takes none).
ROUTES = {
    "home": None,
    "login": None,
    "logout": None,
    "set_language": None,
    "recruitment:candidate_list": None,
    "recruitment:candidate_export": None,
    "recruitment:candidate_export_file": lambda o: {"pk": o.candidate_export.pk},
    "recruitment:candidate_export_status": lambda o: {"pk": o.candidate_export.pk},
    "recruitment:candidate_export_download": lambda o: {"pk": o.candidate_export.pk},
    "recruitment:candidate_export_retry": lambda o: {"pk": o.candidate_export.pk},
    "recruitment:candidate_create": None,
    "recruitment:candidate_detail": lambda o: {"pk": o.candidate.pk},
    "recruitment:profile_update": lambda o: {"pk": o.candidate.pk},
    "recruitment:step_record": lambda o: {"pk": o.candidate.pk, "kind": "course"},
    "recruitment:board": None,
    "recruitment:board_unit": lambda o: {"unit_pk": o.unit.pk},
    "recruitment:todo": None,
    "recruitment:todo_unit": lambda o: {"unit_pk": o.unit.pk},
    "recruitment:course_list": None,
    "recruitment:course_create": None,
    "recruitment:course_detail": lambda o: {"pk": o.course.pk},
    "recruitment:course_update": lambda o: {"pk": o.course.pk},
    "recruitment:course_enrol": lambda o: {"pk": o.course.pk},
    "recruitment:course_results": lambda o: {"pk": o.course.pk},
    "recruitment:course_withdraw": lambda o: {"pk": o.course.pk, "participant_pk": o.participant.pk},
    "recruitment:course_certificates": lambda o: {"pk": o.course.pk},
    "recruitment:course_roster_export": lambda o: {"pk": o.course.pk},
    "recruitment:course_certificate_export": lambda o: {"pk": o.course.pk},
    "recruitment:pool_review": None,
    "recruitment:pool_review_cell": lambda o: {"pk": o.unit.pk},
    "recruitment:pool_report": None,
    "recruitment:pool_report_unit": lambda o: {"pk": o.unit.pk},
    "units:child_pool_targets": lambda o: {"pk": o.parent_unit.pk},
    "imports:start": None,
    "imports:template": None,
    "imports:detail": lambda o: {"pk": o.workbook_import.pk},
    "imports:status": lambda o: {"pk": o.workbook_import.pk},
    "imports:confirm": lambda o: {"pk": o.workbook_import.pk},
    "imports:discard": lambda o: {"pk": o.workbook_import.pk},
    "imports:retry": lambda o: {"pk": o.workbook_import.pk},
    "units:unit_tree": None,
    "dashboard:unit_detail": lambda o: {"pk": o.unit.pk},
    "units:child_targets": lambda o: {"pk": o.parent_unit.pk},
    "units:reorganisation": lambda o: {"pk": o.parent_unit.pk},
    "dashboard:unit_history": lambda o: {"pk": o.unit.pk},
    "dashboard:read_log": lambda o: {"pk": o.unit.pk},
    "twofactor:overview": None,
    "twofactor:enrol": None,
    "twofactor:recovery_codes": None,
    "twofactor:disable": None,
    "twofactor:sign_in_code": None,
    "admin_login_redirect": None,
    "units:quarter_close": lambda o: {"pk": o.unit.pk},
    "units:quarter_reopen": lambda o: {"pk": o.unit.pk, "closure_pk": o.closure.pk},
    "reports:index": None,
    "reports:progress": lambda o: {"code": o.unit.code},
    "reports:breakdown": lambda o: {"code": o.unit.code},
    "reports:pipeline": lambda o: {"code": o.unit.code},
    "reports:coverage": lambda o: {"code": o.unit.code},
    "reports:probation": lambda o: {"code": o.unit.code},
    "reports:quarterly_return": lambda o: {"code": o.unit.code},
    "reports:export": lambda o: {"code": o.unit.code, "report": "progress"},
    "accounts:list": None,
    "accounts:create": None,
    "accounts:bulk_create": None,
    "accounts:password_change": None,
    "accounts:detail": lambda o: {"pk": o.account.pk},
    "accounts:move": lambda o: {"pk": o.account.pk},
    "accounts:reset_password": lambda o: {"pk": o.account.pk},
    "accounts:set_active": lambda o: {"pk": o.account.pk},
    "accounts:batch": lambda o: {"pk": o.batch.pk},
    "accounts:batch_download": lambda o: {"pk": o.batch.pk},
    "accounts:set_password": lambda o: o.set_password,
    "reports:file": lambda o: {"pk": o.report_file.pk},
    "reports:file_status": lambda o: {"pk": o.report_file.pk},
    "reports:file_download": lambda o: {"pk": o.report_file.pk},
    "reports:file_retry": lambda o: {"pk": o.report_file.pk},
    "reports:outlook": lambda o: {"code": o.unit.code},
    "reports:returns": lambda o: {"code": o.unit.code},
    "reports:return_submit": lambda o: {"code": o.unit.code, "year": o.closure.year, "quarter": o.closure.quarter},
    "reports:return_close": lambda o: {"code": o.unit.code, "year": o.closure.year, "quarter": o.closure.quarter},
    "reports:return_reopen": lambda o: {"code": o.unit.code, "year": o.closure.year, "quarter": o.closure.quarter},
    "reports:submitted_return": lambda o: {"pk": o.submitted.pk},
}

# Searches and filters pointed at the outside: none may bring an outside name back.
SEARCHES = [
    ("recruitment:candidate_list", {"q": "Ngoài"}),
    ("recruitment:candidate_list", {"q": "0010"}),  # the outside person's citizen ID ends so
    ("recruitment:candidate_export", {"q": "Ngoài"}),
    ("units:unit_tree", {"q": "B"}),
]

OUTSIDE_PERSON = "Trần Thị Ngoài Phạm Vi"
SIBLING_PERSON = "Lê Văn Cùng Xã Khác Chi Bộ"
OUTSIDE_CITIZEN_ID = "001096000010"
OUTSIDE_ACCOUNT = "bithu_b1_ngoai"


@pytest.fixture(autouse=True)
def _imports_in_request(settings, tmp_path, jobs_run_at_once):
    settings.IMPORT_FILE_DIR = tmp_path / "uploads"


def project_url_names(patterns=None, namespace=""):
    """Every named URL of the project outside the admin, as 'namespace:name'; unnamed ones as '?route'."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin is proven separately below
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from project_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"?{pattern.pattern}"


def test_every_url_pattern_is_in_the_table():
    names = list(project_url_names())
    assert len(names) == len(set(names)), "two URL patterns share a name"
    missing = sorted(set(names) - set(ROUTES))
    assert not missing, f"URL patterns with no row in tests/test_every_url.py ROUTES: {missing}"
    stale = sorted(set(ROUTES) - set(names))
    assert not stale, f"rows of ROUTES that name no URL pattern: {stale}"


@pytest.fixture
def world(tree, users):
    """Branch B holds a person, an import and a target; A1-2 a person the A1-1 secretary must not see."""
    today = datetime.date.today()
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    outside = CandidateFactory(
        cell=tree.cell_b1,
        full_name=OUTSIDE_PERSON,
        citizen_id=OUTSIDE_CITIZEN_ID,
        date_of_birth=datetime.date(1996, 1, 1),
        **admitted_fields(today - datetime.timedelta(days=1)),
    )
    sibling = CandidateFactory(cell=tree.cell_a2, full_name=SIBLING_PERSON)
    own = CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Trong Chi Bộ")
    unit_services.target_set(unit=tree.committee_b, admissions=40, year=today.year)
    make_import = lambda user: WorkbookImport.objects.create(  # noqa: E731
        user=user, file_name="so-lieu.xlsx", status=ImportStatus.READY
    )
    leader_a = make_user(tree.committee_a, Role.LEADERSHIP, "lanhdao_a")
    close = lambda unit: ClosedQuarter.objects.create(  # noqa: E731
        unit=unit, year=today.year - 1, quarter=1, closed_by=staff_b
    )
    account_b = make_user(tree.cell_b1, Role.SECRETARY, OUTSIDE_ACCOUNT)
    account_a2 = make_user(tree.cell_a2, Role.SECRETARY, "bithu_a2")

    def batch_of(user, account):
        batch = AccountBatch.objects.create(created_by=user, source="x")
        batch.accounts.add(account)
        return batch

    def forged_link(account):  # what anyone but the account's owner can hold: not its token
        return {"uidb64": urlsafe_base64_encode(force_bytes(account.pk)), "token": "cqyq3k-0123456789abcdef"}

    closed_b, closed_a2 = close(tree.committee_b), close(tree.cell_a2)
    submit = lambda unit: SubmittedReturn.objects.create(  # noqa: E731
        unit=unit, year=today.year - 1, quarter=1, workbook=b"PK", filename="bao-cao.xlsx"
    )
    submitted_b, submitted_a2 = submit(tree.committee_b), submit(tree.cell_a2)

    def course_for(organiser, person, number):
        course = Course.objects.create(
            organiser=organiser, number=number, start_date=today, end_date=today, place="Hội trường"
        )
        return course, CourseParticipant.objects.create(course=course, candidate=person)

    course_b, participant_b = course_for(tree.committee_b, outside, "01/B")
    # A course of committee A with only the sibling cell's person: outside the A1-1 secretary's sight.
    course_a2, participant_a2 = course_for(tree.committee_a, sibling, "01/A2")
    own_course, own_participant = course_for(tree.committee_a, own, "01/A1")
    world = SimpleNamespace(
        tree=tree,
        users=users,
        today=today,
        roles={"staff": users.staff_a, "leadership": leader_a, "secretary": users.secretary_a1},
        # Per role: the objects outside (several sets: branch B for all; the sibling cell for the secretary)
        # and the names that must never show.
        outside={
            "staff": [
                SimpleNamespace(
                    candidate=outside,
                    unit=tree.cell_b1,
                    parent_unit=tree.committee_b,
                    workbook_import=make_import(staff_b),
                    closure=closed_b,
                    account=account_b,
                    batch=batch_of(staff_b, account_b),
                    set_password=forged_link(account_b),
                    submitted=submitted_b,
                    course=course_b,
                    participant=participant_b,
                )
            ],
            "leadership": [
                SimpleNamespace(
                    candidate=outside,
                    unit=tree.committee_b,
                    parent_unit=tree.org_b,
                    workbook_import=make_import(staff_b),
                    closure=closed_b,
                    account=account_b,
                    batch=batch_of(staff_b, account_b),
                    set_password=forged_link(account_b),
                    submitted=submitted_b,
                    course=course_b,
                    participant=participant_b,
                )
            ],
            "secretary": [
                SimpleNamespace(
                    candidate=outside,
                    unit=tree.cell_b1,
                    parent_unit=tree.committee_b,
                    workbook_import=make_import(staff_b),
                    closure=closed_b,
                    account=account_b,
                    batch=batch_of(staff_b, account_b),
                    set_password=forged_link(account_b),
                    submitted=submitted_b,
                    course=course_b,
                    participant=participant_b,
                ),
                SimpleNamespace(
                    candidate=sibling,
                    unit=tree.cell_a2,
                    parent_unit=tree.org_b,
                    workbook_import=make_import(users.staff_a),
                    closure=closed_a2,
                    account=account_a2,
                    batch=batch_of(users.staff_a, account_a2),
                    set_password=forged_link(account_a2),
                    submitted=submitted_a2,
                    course=course_a2,
                    participant=participant_a2,
                ),
            ],
        },
        forbidden_names={
            "staff": [
                OUTSIDE_PERSON,
                OUTSIDE_ACCOUNT,
                OUTSIDE_CITIZEN_ID,
                tree.committee_b.name,
                tree.org_b.name,
                tree.cell_b1.name,
                tree.enterprise.name,
            ],
            "leadership": [
                OUTSIDE_PERSON,
                OUTSIDE_ACCOUNT,
                OUTSIDE_CITIZEN_ID,
                tree.committee_b.name,
                tree.cell_b1.name,
            ],
            "secretary": [
                OUTSIDE_PERSON,
                OUTSIDE_ACCOUNT,
                SIBLING_PERSON,
                OUTSIDE_CITIZEN_ID,
                tree.committee_b.name,
                tree.cell_b1.name,
                tree.cell_a2.name,
            ],
        },
        inside=SimpleNamespace(
            candidate=own,
            unit=tree.cell_a1,
            parent_unit=tree.committee_a,
            workbook_import=make_import(users.staff_a),
            closure=close(tree.cell_a1),
            account=account_a2,
            batch=batch_of(users.staff_a, account_a2),
            set_password={
                "uidb64": urlsafe_base64_encode(force_bytes(account_a2.pk)),
                "token": set_password_tokens.make_token(account_a2),
            },
            submitted=submit(tree.cell_a1),
            course=own_course,
            participant=own_participant,
        ),
    )
    # A built workbook of each namespace's unit (reports/results.py).
    for number, objects in enumerate([world.inside, *(ns for each in world.outside.values() for ns in each)]):
        objects.report_file = ReportFile.objects.create(
            unit=objects.unit,
            report="bao-cao",
            period=f"year={today.year}",
            as_of=today,
            data_version=f"v{number}",
            file_name=f"bao-cao_{objects.unit.code}.xlsx",
            status=ReportFileStatus.DONE,
        )
    # A long list built for someone: the staff member's own inside, another's outside (only its author
    # may read it, whatever their scope).
    for objects in [world.inside, *(ns for each in world.outside.values() for ns in each)]:
        author = users.staff_a if objects is world.inside else staff_b
        objects.candidate_export = CandidateExport.objects.create(
            requested_by=author, file_name="danh-sach-quan-chung.xlsx", status=ReportFileStatus.DONE
        )
    return world


def response_text(response):
    """What a person would read: the HTML, or every cell of a workbook."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_outside_names(response, names, where):
    text = response_text(response)
    leaked = [name for name in names if name in text]
    assert not leaked, f"{where}: outside data in the answer: {leaked}"


def request(client, user, method, url, data=None):
    client.force_login(user)  # again each time: one of the URLs is the logout
    return getattr(client, method)(url, data or {})


@pytest.mark.parametrize("role", ["staff", "leadership", "secretary"])
def test_outside_ids_are_404_or_403_on_every_url(client, world, role):
    user = world.roles[role]
    checked = 0
    for name, build in ROUTES.items():
        if build is None:
            continue
        for objects in world.outside[role]:
            url = reverse(name, kwargs=build(objects))
            for method in ("get", "post"):
                response = request(client, user, method, url)
                # 405: the view takes no such method (decided before any object is looked up).
                allowed = {403, 404, 405}
                assert response.status_code in allowed, f"{role} {method.upper()} {url}: {response.status_code}"
                assert_no_outside_names(response, world.forbidden_names[role], f"{role} {method.upper()} {url}")
                checked += 1
    assert checked >= 2 * sum(build is not None for build in ROUTES.values())


def test_inside_ids_give_the_page_so_the_404s_are_about_scope(client, world):
    """The same kwargs built from the staff member's own objects answer (not 404), so the table is right."""
    for name, build in ROUTES.items():
        if build is None or name in POST_ONLY or name in POST_FORMS:
            continue  # checked below
        url = reverse(name, kwargs=build(world.inside))
        response = request(client, world.roles["staff"], "get", url)
        expected = GET_STATUS.get(name, 200)
        assert response.status_code == expected, f"staff GET {url}: {response.status_code}"
    for name in POST_ONLY:
        url = reverse(name, kwargs=ROUTES[name](world.inside))
        assert request(client, world.roles["staff"], "post", url).status_code == POST_STATUS.get(name, 302), name


# Forms that answer a POST only: an empty one comes back as the page with its errors.
POST_FORMS = ("recruitment:course_certificates",)


@pytest.mark.parametrize(
    "role, name, expected",
    [
        # Actions a role may not take on objects INSIDE its subtree: refused with a 403.
        ("secretary", "recruitment:step_record", 403),  # an admission decision (the course is theirs)
        ("leadership", "recruitment:step_record", 403),
        ("leadership", "recruitment:profile_update", 403),
        ("leadership", "units:child_targets", 403),
        ("secretary", "units:child_targets", 403),
        ("leadership", "units:reorganisation", 403),
        ("leadership", "imports:detail", 403),
        ("secretary", "imports:confirm", 403),
    ],
)
def test_actions_a_role_may_not_take_are_403(client, world, role, name, expected):
    kwargs = ROUTES[name](world.inside)
    if role == "secretary" and name == "units:child_targets":
        kwargs = {"pk": world.tree.cell_a1.pk}  # their own cell, which they see but hand no targets from
    if name == "recruitment:step_record":
        kwargs["kind"] = "decision"  # recording an admission: staff only
    response = request(
        client,
        world.roles[role],
        "post",
        reverse(name, kwargs=kwargs),
        {"decision_date": "01/01/2025", "decision_no": "1-QĐ/HU", "decision_issuer": "X"},
    )
    assert response.status_code == expected


@pytest.mark.parametrize("role", ["leadership"])
def test_leadership_posts_nothing(client, world, role):
    user = world.roles[role]
    before = Candidate.objects.count()
    response = request(
        client,
        user,
        "post",
        reverse("recruitment:candidate_create"),
        {"full_name": "Ai Đó", "cell": world.tree.cell_a1.pk},
    )
    assert response.status_code == 403
    assert Candidate.objects.count() == before


@pytest.mark.parametrize("role", ["staff", "leadership", "secretary"])
def test_pages_without_ids_never_show_outside_data(client, world, role):
    user = world.roles[role]
    for name, build in ROUTES.items():
        if build is not None:
            continue
        url = reverse(name)
        for method in ("get", "post"):
            response = request(client, user, method, url)
            assert response.status_code in {200, 302, 403, 405}, (
                f"{role} {method.upper()} {url}: {response.status_code}"
            )
            if response.status_code == 200:
                assert_no_outside_names(response, world.forbidden_names[role], f"{role} {method.upper()} {url}")
    own_code = user.unit.code
    for name in (
        "reports:progress",
        "reports:breakdown",
        "reports:pipeline",
        "reports:coverage",
        "reports:probation",
        "reports:quarterly_return",
        "reports:export",
    ):
        kwargs = {"code": own_code, **({"report": "coverage"} if name == "reports:export" else {})}
        response = request(client, user, "get", reverse(name, kwargs=kwargs))
        assert response.status_code == 200
        assert_no_outside_names(response, world.forbidden_names[role], f"{role} {name}")
    for name in ("recruitment:board", "recruitment:todo"):
        response = request(client, user, "get", reverse(name))
        assert response.status_code == 200
        assert_no_outside_names(response, world.forbidden_names[role], f"{role} {name}")


@pytest.mark.parametrize("role", ["staff", "leadership", "secretary"])
def test_search_and_filters_never_reach_outside(client, world, role):
    user = world.roles[role]
    outside_unit = world.outside[role][0].unit
    for name, params in [
        *SEARCHES,
        ("recruitment:candidate_list", {"unit": outside_unit.pk}),
        ("recruitment:candidate_export", {"unit": outside_unit.pk}),
    ]:
        response = request(client, user, "get", reverse(name), params)
        assert response.status_code == 200, f"{role} {name} {params}"
        assert_no_outside_names(response, world.forbidden_names[role], f"{role} {name} {params}")


def test_the_account_list_never_reaches_outside(client, world):
    """Staff search and filter the accounts (other roles have no such page: 403 above)."""
    for params in ({"q": "ngoai"}, {"unit": "B1-1"}, {"q": "bithu"}, {"status": "never"}):
        response = request(client, world.roles["staff"], "get", reverse("accounts:list"), params)
        assert response.status_code == 200
        assert_no_outside_names(response, world.forbidden_names["staff"], f"accounts:list {params}")
    province = request(client, world.users.province_staff, "get", reverse("accounts:list"), {"q": "ngoai"})
    assert OUTSIDE_ACCOUNT in response_text(province)  # the needle is real


def test_the_outside_person_is_found_by_someone_who_may_see_them(client, world):
    """The searches above would find the person for the province staff: the names are real needles."""
    province = world.users.province_staff
    for name, params in SEARCHES[:3]:
        response = request(client, province, "get", reverse(name), params)
        assert OUTSIDE_PERSON in response_text(response)
    response = request(client, province, "get", reverse("reports:export", kwargs={"code": "P", "report": "coverage"}))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["staff", "leadership", "secretary"])
def test_the_admin_is_closed_to_every_role(client, world, role):
    user = world.roles[role]
    outside = world.outside[role][0]
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:%s_%s_changelist" % info))
        pk = {"candidate": outside.candidate.pk, "unit": outside.unit.pk}.get(model._meta.model_name, 1)
        urls.append(reverse("admin:%s_%s_change" % info, args=[pk]))
    for url in urls:
        for method in ("get", "post"):
            response = request(client, user, method, url)
            assert response.status_code == 302 and "/quan-tri/login/" in response.url, f"{role} {url}"
