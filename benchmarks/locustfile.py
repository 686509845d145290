"""20 logged-in users at the end of a quarter: pages read, steps entered, quarterly returns
downloaded; and one more user who imports a workbook (benchmarks/load.sh runs it).

Accounts come from LOAD_ACCOUNTS (written by benchmarks.loadtest.prepare); each POST that the server
answers with its redirect is logged to LOAD_POSTS, and load.sh checks each one's record is in the
database afterwards (the import's people too: all of them, or none if it failed).

Long work (a return, an import's check and the import itself) may answer at once or run as a job. The
users do what a browser does either way (`Staff.until_done`): follow redirects; on a page carrying
`data-job-status-url` (the job's progress, as static/js/job_progress.js polls it) poll that JSON every
second while it says `"running": true` (or a running `"status"`), then reload the page. A return is
done when a response is the workbook itself; on a settled page without it, the link to the file is
followed (an <a> with `data-job-result` or `download`, else the first link to an .xlsx). Seconds from
the click to the file (or to the import done) are written to LOAD_JOBS for load.sh to print.
"""

import datetime
import html
import itertools
import json
import os
import random
import re
import threading
import time
from urllib.parse import urljoin

import gevent
from gevent.event import Event
from locust import HttpUser, between, constant, events, task

ACCOUNTS = json.load(open(os.environ["LOAD_ACCOUNTS"]))
MEASURED_SECONDS = int(os.environ.get("LOAD_SECONDS", 60))
RUN = os.environ.get("LOAD_RUN", datetime.datetime.now().strftime("%H%M%S"))
_next_account = itertools.cycle(ACCOUNTS["accounts"])
_lock = threading.Lock()
POSTS = {"created": [], "trained": []}
_counter = itertools.count(1)
CANDIDATE_LINK = re.compile(r'href="/quan-chung/(\d+)/"')
REPORTS = ("tien-do", "co-cau", "quy-trinh", "chua-ket-nap", "du-bi")
GIVEN_NAMES = ("Tải", "Pấng", "Minh", "Sơn", "Hùng", "Dũng", "Thắng", "Khánh", "Long", "Phúc")
SEARCHES = ("nguyen van", "tran thi", "le", "pham minh", "hoang", "vu thi h", "dang", "bui van")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REDIRECTS = (301, 302, 303, 307, 308)
STATUS_URL = re.compile(r'data-(?:job-)?status-url="([^"]+)"')  # as static/js/job_progress.js reads it
ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
HREF = re.compile(r'\bhref="([^"]+)"')
POST_FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)
ACTION = re.compile(r'\baction="([^"]+)"')
INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
VALUE = re.compile(r'\bvalue="([^"]*)"')
RUNNING = {"queued", "pending", "new", "waiting", "ready_to_run", "running", "started", "checking", "importing"}
FAILED = {"failed", "invalid", "error", "cancelled"}
STAFF_THINK_SECONDS = (1, 3)
POLL_SECONDS = 1.0  # as the browser's script polls
JOB_TIMEOUT = float(os.environ.get("LOAD_JOB_TIMEOUT", 120))
IMPORT_AFTER = float(os.environ.get("LOAD_IMPORT_AFTER", 5))  # seconds into the measured run
JOBS = {"quarterly return": [], "import": []}  # seconds from the click to the file, to the import done
MEASURING = Event()

_logins = itertools.count(1)


def _logged_in(environment):
    """Statistics start once every user is logged in: 20 logins at once (PBKDF2, 1,000,000 rounds)
    saturate both cores for several seconds, which is not what a quarter's end looks like."""
    if next(_logins) == environment.runner.target_user_count:
        environment.runner.stats.reset_all()
        for seconds in JOBS.values():
            seconds.clear()
        _measuring_since[0] = time.monotonic()
        MEASURING.set()
        gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)
        print(f"all users logged in: statistics reset, {MEASURED_SECONDS} s to go", flush=True)


def today():
    return datetime.date.today().strftime("%d/%m/%Y")


TIMELINE = []  # (seconds into the measured run, request name, ms): when the slow ones came


@events.request.add_listener
def _on_request(name, response_time, **kwargs):
    if MEASURING.is_set():
        TIMELINE.append((round(time.monotonic() - _measuring_since[0], 2), name, round(response_time)))


_measuring_since = [0.0]


@events.quitting.add_listener
def _write_posts(environment, **kwargs):
    if os.environ.get("LOAD_TIMELINE"):
        with open(os.environ["LOAD_TIMELINE"], "w") as out:
            out.writelines(f"{at}\t{name}\t{ms}\n" for at, name, ms in TIMELINE)
    with open(os.environ["LOAD_POSTS"], "w") as out:
        json.dump(POSTS, out)
    if os.environ.get("LOAD_JOBS"):
        with open(os.environ["LOAD_JOBS"], "w") as out:
            json.dump(JOBS, out)


def _is_file(response):
    return response.status_code == 200 and (
        response.headers.get("Content-Type", "").startswith(XLSX)
        or "attachment" in response.headers.get("Content-Disposition", "")
    )


def _attributes(tag, pattern):
    match = pattern.search(tag)
    return html.unescape(match.group(1)) if match else None


def result_link(page, exclude=()):
    """The link to the finished file on a job's page: marked `data-job-result`, or `download`, or else
    the first link to an .xlsx that is not one of `exclude` (the page the user started from)."""
    anchors = [tag for tag in ANCHOR.findall(page) if HREF.search(tag)]
    excluded = {url.split("?")[0] for url in exclude}
    for wanted in (
        lambda tag: "data-job-result" in tag,
        lambda tag: re.search(r"\sdownload[\s=>]", tag),
        lambda tag: ".xlsx" in _attributes(tag, HREF) and _attributes(tag, HREF).split("?")[0] not in excluded,
    ):
        found = next((tag for tag in anchors if wanted(tag)), None)
        if found:
            return _attributes(found, HREF)
    return None


def confirm_action(page):
    """Where the import's preview posts its confirmation (the form whose action confirms)."""
    for form in POST_FORM.findall(page):
        action = _attributes(form, ACTION) or ""
        if 'method="post"' in form.lower() and ("xac-nhan" in action or "confirm" in action):
            return action
    return None


class LoggedIn(HttpUser):
    abstract = True

    def log_in(self, username):
        self.client.get("/dang-nhap/", name="login")
        self._plain_cookies()
        response = self.client.post(
            "/dang-nhap/",
            name="login",
            allow_redirects=False,
            data={"username": username, "password": ACCOUNTS["password"], "csrfmiddlewaretoken": self._csrf_token()},
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {username}: {response.status_code}")
        self._plain_cookies()
        _logged_in(self.environment)

    def _plain_cookies(self):
        # Production settings mark cookies Secure; the load runs over plain HTTP on 127.0.0.1 (no TLS
        # proxy in front), so the client keeps the newest of each as a plain cookie.
        jar = self.client.cookies
        for cookie in [c for c in jar if c.secure]:
            for other in [c for c in jar if c.name == cookie.name]:
                jar.clear(other.domain, other.path, other.name)
            jar.set(cookie.name, cookie.value)

    def _csrf_token(self):
        return next(cookie.value for cookie in self.client.cookies if cookie.name == "csrftoken")

    def _post(self, url, data, name, files=None):
        """POST as the form does; True when answered with its redirect (the response in self.last)."""
        data = {**data, "csrfmiddlewaretoken": self._csrf_token()}
        with self.client.post(
            url, data=data, files=files, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self._plain_cookies()
            self.last = response
            if response.status_code in REDIRECTS:
                response.success()
                return True
            response.failure(f"{response.status_code}: not saved")
            return False

    def _failed(self, name, started, reason):
        """A step that never came (a job not done in time, no file): an error in the statistics."""
        self.environment.events.request.fire(
            request_type="JOB",
            name=name,
            response_time=(time.monotonic() - started) * 1000,
            response_length=0,
            exception=RuntimeError(reason),
            context={},
        )

    def until_done(self, response, name):
        """Follow what the page does after a click: redirects; a job page polled through its
        data-status-url until the job stops running, then reloaded. Returns the last response (a
        file, or the settled page) and the job's last status ("" if no job was polled, "timeout")."""
        deadline = time.monotonic() + JOB_TIMEOUT
        status = ""
        for _step in range(30):
            if response.status_code in REDIRECTS:
                url = urljoin(response.url, response.headers["Location"])
                response = self.client.get(url, name=f"{name}: page", allow_redirects=False)
                continue
            if _is_file(response) or response.status_code != 200:
                break
            status_url = _attributes(response.text, STATUS_URL)
            if status_url is None:
                break
            status_url = urljoin(response.url, status_url)
            while True:
                if time.monotonic() > deadline:
                    return response, "timeout"
                gevent.sleep(POLL_SECONDS)
                poll = self.client.get(status_url, name=f"{name}: status (poll)")
                try:
                    data = poll.json()
                except ValueError:
                    data = {}
                status = str(data.get("status") or data.get("state") or "").lower()
                if not data.get("running", status in RUNNING):
                    break
            response = self.client.get(response.url, name=f"{name}: page", allow_redirects=False)
        return response, status


class Staff(LoggedIn):
    wait_time = between(*STAFF_THINK_SECONDS)  # people read a page before the next click

    def on_start(self):
        with _lock:
            self.account = next(_next_account)
        self.candidates = []
        self.log_in(self.account["username"])
        # Nobody clicks before everyone is in: a page asked for while the last logins still hash their
        # passwords (PBKDF2 on both cores) would be timed from inside that storm and counted after it.
        # Then each user's first click comes after a think time, as every later one does.
        MEASURING.wait()
        gevent.sleep(random.uniform(*STAFF_THINK_SECONDS))

    def _remember(self, response):
        ids = CANDIDATE_LINK.findall(response.text)
        if ids:
            self.candidates = ids

    @task(4)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def list_page(self):
        self._remember(self.client.get("/quan-chung/", name="list"))

    @task(3)
    def list_search(self):
        self._remember(self.client.get("/quan-chung/", params={"q": random.choice(SEARCHES)}, name="list search"))

    @task(5)
    def candidate(self):
        if self.candidates:
            self.client.get(f"/quan-chung/{random.choice(self.candidates)}/", name="candidate")

    @task(3)
    def report(self):
        report = random.choice(REPORTS)
        self.client.get(f"/bao-cao/{self.account['unit']}/{report}/", name=f"report {report}")

    @task(1)
    def quarterly_return(self):
        """The return of the user's unit: the file at once, or through its job's page."""
        url = f"/bao-cao/{self.account['unit']}/bao-cao-quy.xlsx"
        started = time.monotonic()
        response, status = self.until_done(
            self.client.get(url, name="quarterly return", allow_redirects=False), "quarterly return"
        )
        # The file's link is the return's own address, which builds it again when anything changed since
        # (never a stale file): while others keep writing, that can be another job; followed as a
        # person would click again, a few times.
        for _attempt in range(5):
            if _is_file(response) or response.status_code != 200 or status in FAILED | {"timeout"}:
                break
            link = result_link(response.text, exclude=(url,))
            if not link:
                break
            response, status = self.until_done(
                self.client.get(urljoin(response.url, link), name="quarterly return: file", allow_redirects=False),
                "quarterly return",
            )
        if _is_file(response):
            with _lock:
                JOBS["quarterly return"].append(time.monotonic() - started)
        else:
            self._failed("quarterly return: no file", started, f"{response.status_code} {status}: no file")

    @task(2)
    def list_new_person(self):
        if not self.account["writes"]:
            return
        marker = f"LT-{RUN}-{next(_counter)}"
        if self._post(
            "/quan-chung/them/",
            {
                # A different person each time: the same name and birthday in a cell is asked about
                # (a possible duplicate) instead of saved.
                "full_name": f"Lò Văn {random.choice(GIVEN_NAMES)}",
                "date_of_birth": (
                    datetime.date(1975, 1, 1) + datetime.timedelta(days=random.randrange(11_000))
                ).strftime("%d/%m/%Y"),
                "gender": "male",
                "cell": random.choice(self.account["cells"]),
                "ethnicity": 1,
                "occupation": "farmer",
                "listed_on": today(),
                "mentor_name": marker,
            },
            "POST list new person",
        ):
            with _lock:
                POSTS["created"].append(marker)

    @task(2)
    def record_course(self):
        if not self.account["writes"]:
            return
        response = self.client.get("/quan-chung/", params={"stage": "listed"}, name="list listed")
        ids = CANDIDATE_LINK.findall(response.text)
        if not ids:
            return
        marker = f"LT-{RUN}-{next(_counter)}"
        url = f"/quan-chung/{random.choice(ids)}/buoc/course/"
        # As a browser does: the form first, for the person's version (optimistic locking, units.audit).
        form = self.client.get(url, name="step form")
        data = {"course_certificate_no": marker, "course_date": today()}
        version = next((_attributes(tag, VALUE) for tag in INPUT.findall(form.text) if 'name="version"' in tag), None)
        if version is not None:
            data["version"] = version
        if self._post(url, data, "POST awareness course"):
            with _lock:
                POSTS["trained"].append(marker)


class Importer(LoggedIn):
    """One more user: once the statistics start, imports one workbook (benchmarks.loadtest.prepare
    wrote it): upload, the check, the preview's confirmation, the import; then reads the home page."""

    fixed_count = 1
    wait_time = constant(2)

    def on_start(self):
        self.done = False
        self.log_in(ACCOUNTS["import"]["username"])

    @task
    def import_once(self):
        if self.done:
            self.client.get("/", name="home")
            return
        MEASURING.wait()
        gevent.sleep(IMPORT_AFTER)
        self.done = True
        started = time.monotonic()
        plan = ACCOUNTS["import"]
        with open(plan["path"], "rb") as workbook:
            data = workbook.read()
        self.client.get("/nhap-du-lieu/", name="import: start page")
        result = {"marker": plan["marker"], "people": plan["people"], "status": "not uploaded"}
        POSTS["imported"] = result
        if not self._post("/nhap-du-lieu/", {}, "import: upload", files={"file": ("import.xlsx", data, XLSX)}):
            return
        page, status = self.until_done(self.last, "import")
        action = confirm_action(page.text) if page.status_code == 200 else None
        if action is None or status in FAILED | {"timeout"}:
            result["status"] = status or "not checked"
            self._failed("import: not ready to confirm", started, f"{page.status_code} {status}")
            return
        result["status"] = "confirming"
        if not self._post(urljoin(page.url, action), {}, "import: confirm"):
            result["status"] = "not confirmed"
            return
        result["status"] = "confirmed"
        page, status = self.until_done(self.last, "import")
        if status:
            result["status"] = status
        if status in FAILED | {"timeout"}:
            self._failed("import: not done", started, f"{page.status_code} {status}")
        else:
            with _lock:
                JOBS["import"].append(time.monotonic() - started)
