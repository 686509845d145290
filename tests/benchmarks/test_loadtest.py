"""The load test's scenario (benchmarks/locustfile.py, benchmarks/loadtest.py) against the real pages.

locust and gevent are not installed with the tests (`pip install -e '.[bench]'` brings them for
`make load`), so the locustfile runs here on small stand-ins: its users' clicks go through Django's
test client, and everything else (the pages, the import, the database) is the real thing."""

import importlib
import json
import sys
import threading
import time
import types
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from benchmarks import loadtest
from recruitment.importing import import_workbook
from recruitment.models import Candidate

HOST = "http://testserver"


class _Response:
    def __init__(self, response, url, name, log):
        self.status_code = response.status_code
        self.headers = response.headers
        self.content = b"".join(response) if getattr(response, "streaming", False) else response.content
        self.url = url
        self.name = name
        self.log = log
        self.failed = None

    @property
    def text(self):
        return self.content.decode()

    def json(self):
        return json.loads(self.content)

    def success(self):
        self.failed = None

    def failure(self, reason):
        self.failed = reason

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.log.append((self.name, self.status_code, self.failed))
        return False


class _Session:
    """What the locustfile asks of locust's HttpSession, on Django's test client."""

    def __init__(self):
        self.django = Client()
        self.log = []

    @property
    def cookies(self):
        return [
            SimpleNamespace(name=name, value=morsel.value, secure=False) for name, morsel in self.django.cookies.items()
        ]

    def _send(self, method, url, name, allow_redirects, catch_response, **kwargs):
        path = url.removeprefix(HOST)
        response = getattr(self.django, method)(path, follow=allow_redirects, **kwargs)
        final = HOST + (response.request["PATH_INFO"] if allow_redirects else path)
        wrapped = _Response(response, final, name, self.log)
        if not catch_response:
            self.log.append((name, wrapped.status_code, None))
        return wrapped

    def get(self, url, params=None, name=None, allow_redirects=True, catch_response=False):
        return self._send("get", url, name, allow_redirects, catch_response, data=params)

    def post(self, url, data=None, files=None, name=None, allow_redirects=True, catch_response=False):
        data = dict(data or {})
        for field, (filename, content, content_type) in (files or {}).items():
            data[field] = SimpleUploadedFile(filename, content, content_type)
        return self._send("post", url, name, allow_redirects, catch_response, data=data)


def _stand_ins():
    """Modules named locust and gevent with what the locustfile uses."""
    fired = []
    locust = types.ModuleType("locust")

    class HttpUser:
        abstract = True

        def __init__(self, environment):
            self.environment = environment
            self.client = _Session()

    def task(weight=1):
        return weight if callable(weight) else (lambda function: function)

    locust.HttpUser = HttpUser
    locust.task = task
    locust.between = lambda low, high: None
    locust.constant = lambda seconds: None
    listeners = SimpleNamespace(add_listener=lambda function: function)
    locust.events = SimpleNamespace(quitting=listeners, request=listeners)
    gevent = types.ModuleType("gevent")
    gevent.sleep = lambda seconds: None
    gevent.spawn_later = lambda seconds, function: None
    gevent_event = types.ModuleType("gevent.event")
    gevent_event.Event = threading.Event
    gevent.event = gevent_event
    environment = SimpleNamespace(
        runner=SimpleNamespace(target_user_count=2, stats=SimpleNamespace(reset_all=lambda: None), quit=None),
        events=SimpleNamespace(request=SimpleNamespace(fire=lambda **event: fired.append(event))),
    )
    return {"locust": locust, "gevent": gevent, "gevent.event": gevent_event}, environment, fired


@pytest.fixture
def scenario(tree, users, settings, tmp_path, monkeypatch, jobs_run_at_once):
    # The scenario's steps, not the queue: each job runs as soon as it is queued (tests/conftest.py).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver"]
    monkeypatch.setenv("LOAD_RUN", "T1")
    accounts = tmp_path / "accounts.json"
    loadtest.prepare(accounts, import_people=12)
    monkeypatch.setenv("LOAD_ACCOUNTS", str(accounts))
    monkeypatch.setenv("LOAD_POSTS", str(tmp_path / "posts.json"))
    modules, environment, fired = _stand_ins()
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.delitem(sys.modules, "benchmarks.locustfile", raising=False)
    locustfile = importlib.import_module("benchmarks.locustfile")
    yield SimpleNamespace(module=locustfile, environment=environment, fired=fired, accounts=accounts)
    sys.modules.pop("benchmarks.locustfile", None)


def test_the_import_workbook_is_one_the_import_accepts(tree, users, tmp_path):
    path = tmp_path / "import.xlsx"
    loadtest.write_import_workbook(path, [tree.cell_a1.code, tree.cell_a2.code], "T0", people=5)
    sheet = openpyxl.load_workbook(path)["Quần chúng"]
    assert sheet["A1"].value == "Mã chi bộ" and sheet.max_row == 6
    result = import_workbook(path, actor=users.staff_a, dry_run=True)
    assert not result.errors
    assert result.counts["people_created"] == 5


def test_a_province_user_gets_the_return_and_the_importer_imports_everything(scenario, tree):
    locustfile, environment = scenario.module, scenario.environment
    province = next(account for account in locustfile.ACCOUNTS["accounts"] if account["unit"] == tree.province.code)
    staff = locustfile.Staff(environment)
    staff.account = province
    staff.candidates = []
    staff.log_in(province["username"])
    staff.quarterly_return()
    assert [name for name, status, failed in staff.client.log if name.startswith("quarterly")] == ["quarterly return"]
    assert len(locustfile.JOBS["quarterly return"]) == 1

    importer = locustfile.Importer(environment)
    importer.on_start()  # the second login: the statistics start
    assert locustfile.MEASURING.is_set()
    importer.import_once()
    steps = [(name, status) for name, status, failed in importer.client.log if name.startswith("import")]
    assert steps == [
        ("import: start page", 200),
        ("import: upload", 302),
        ("import: page", 200),  # the preview: the check ran in the request here
        ("import: confirm", 302),
        ("import: page", 200),
    ]
    assert not scenario.fired  # no step failed
    assert locustfile.POSTS["imported"]["status"] == "confirmed" and len(locustfile.JOBS["import"]) == 1
    marker = locustfile.ACCOUNTS["import"]["marker"]
    imported = Candidate.objects.filter(mentor_name__startswith=marker)
    assert imported.count() == 12
    assert Candidate.objects.in_subtree(tree.committee_b).filter(mentor_name__startswith=marker).count() == 12

    posts = scenario.accounts.with_name("posts.json")
    posts.write_text(json.dumps(locustfile.POSTS))
    loadtest.check(posts)  # nothing lost: raises SystemExit otherwise
    Candidate.objects.filter(pk=imported.first().pk).delete()
    with pytest.raises(SystemExit):
        loadtest.check(posts)


def test_a_job_page_is_polled_until_done_and_its_file_fetched(scenario, monkeypatch):
    """The way a job's page will work: a redirect to it, its status polled while running, the page
    reloaded, the link to the file followed."""
    locustfile = scenario.module
    user = locustfile.Staff(scenario.environment)
    pages = {
        "/job/": [
            '<section data-job-status-url="/job/status/">…</section>',  # as includes/_job_progress.html
            '<a href="/bao-cao/P/x.xlsx">no</a><a data-job-result href="/job/file.xlsx">Tải về</a>',
        ],
    }
    statuses = iter([{"status": "running", "running": True}, {"status": "done", "running": False}])

    class Fake:
        def __init__(self, status, text="", headers=None, url=HOST + "/job/"):
            self.status_code, self.text, self.headers, self.url = status, text, headers or {}, url

        def json(self):
            return next(statuses)

    def get(url, name=None, allow_redirects=True, **kwargs):
        user.client.log.append((name, url))
        if url.endswith("/job/status/"):
            return Fake(200)
        if url.endswith("/job/"):
            return Fake(200, pages["/job/"].pop(0))
        if url.endswith("/job/file.xlsx"):
            return Fake(200, headers={"Content-Type": locustfile.XLSX}, url=url)
        return Fake(302, headers={"Location": "/job/"}, url=HOST + url)

    monkeypatch.setattr(user.client, "get", get)
    user.account = {"unit": "P"}
    started = time.monotonic()
    user.quarterly_return()
    assert [name for name, _url in user.client.log] == [
        "quarterly return",
        "quarterly return: page",
        "quarterly return: status (poll)",
        "quarterly return: status (poll)",
        "quarterly return: page",
        "quarterly return: file",
    ]
    assert user.client.log[-1][1] == HOST + "/job/file.xlsx"
    assert len(locustfile.JOBS["quarterly return"]) == 1 and time.monotonic() - started < 5
    assert not scenario.fired


def test_the_load_test_reads_the_job_pages_as_the_app_writes_them(scenario):
    """The attribute the job pages' script polls, and the link to a built file, are what the
    locustfile looks for (a rename on one side would leave every job of the load test unfollowed)."""
    from django.conf import settings

    locustfile = scenario.module
    templates = settings.BASE_DIR / "templates"
    progress = (templates / "includes" / "_job_progress.html").read_text()
    assert locustfile.STATUS_URL.search(progress.replace("{{ status_url }}", "/tep/1/trang-thai/"))
    # The page of a built return: its own text (with the link that builds it again) and the partial
    # with the download (includes/_built_file.html, given the file's address by the page).
    page = (templates / "reports" / "report_file.html").read_text().replace(
        "{{ download_url }}", "/bao-cao/P/x.xlsx"
    ) + (templates / "includes" / "_built_file.html").read_text().replace("{{ file_url }}", "/bao-cao/tep/1/tai-ve/")
    # The built file itself, not the export's address (which builds again after any change).
    assert locustfile.result_link(page, exclude=("/bao-cao/P/x.xlsx",)) == "/bao-cao/tep/1/tai-ve/"
