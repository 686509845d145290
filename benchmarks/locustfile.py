"""20 logged-in users at the end of a quarter: pages read, and steps entered (benchmarks/load.sh runs it).

Accounts come from LOAD_ACCOUNTS (written by benchmarks.loadtest.prepare); each POST that the server
answers with its redirect is logged to LOAD_POSTS, and load.sh checks each one's record is in the
database afterwards.
"""

import datetime
import itertools
import json
import os
import random
import re
import threading

import gevent
from locust import HttpUser, between, events, task

ACCOUNTS = json.load(open(os.environ["LOAD_ACCOUNTS"]))
MEASURED_SECONDS = int(os.environ.get("LOAD_SECONDS", 60))
RUN = os.environ.get("LOAD_RUN", datetime.datetime.now().strftime("%H%M%S"))
_next_account = itertools.cycle(ACCOUNTS["accounts"])
_lock = threading.Lock()
POSTS = {"created": [], "trained": []}
_counter = itertools.count(1)
CANDIDATE_LINK = re.compile(r'href="/quan-chung/(\d+)/"')
REPORTS = ("tien-do", "co-cau", "quy-trinh", "chua-ket-nap", "du-bi")
SEARCHES = ("nguyen van", "tran thi", "le", "pham minh", "hoang", "vu thi h", "dang", "bui van")


_logins = itertools.count(1)


def _logged_in(environment):
    """Statistics start once every user is logged in: 20 logins at once (PBKDF2, 1,000,000 rounds)
    saturate both cores for several seconds, which is not what a quarter's end looks like."""
    if next(_logins) == environment.runner.target_user_count:
        environment.runner.stats.reset_all()
        gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)
        print(f"all users logged in: statistics reset, {MEASURED_SECONDS} s to go", flush=True)


def today():
    return datetime.date.today().strftime("%d/%m/%Y")


@events.quitting.add_listener
def _write_posts(environment, **kwargs):
    with open(os.environ["LOAD_POSTS"], "w") as out:
        json.dump(POSTS, out)


class Staff(HttpUser):
    wait_time = between(1, 3)  # people read a page before the next click

    def on_start(self):
        with _lock:
            self.account = next(_next_account)
        self.client.get("/dang-nhap/", name="login")
        self._plain_cookies()
        response = self.client.post(
            "/dang-nhap/",
            name="login",
            allow_redirects=False,
            data={
                "username": self.account["username"],
                "password": ACCOUNTS["password"],
                "csrfmiddlewaretoken": self._csrf_token(),
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {self.account['username']}: {response.status_code}")
        self._plain_cookies()
        self.candidates = []
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

    def _post(self, url, data, name):
        data = {**data, "csrfmiddlewaretoken": self._csrf_token()}
        with self.client.post(url, data=data, name=name, allow_redirects=False, catch_response=True) as response:
            self._plain_cookies()
            if response.status_code == 302:
                response.success()
                return True
            response.failure(f"{response.status_code}: not saved")
            return False

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
        self.client.get(f"/bao-cao/{self.account['unit']}/bao-cao-quy.xlsx", name="quarterly return")

    @task(2)
    def list_new_person(self):
        if not self.account["writes"]:
            return
        marker = f"LT-{RUN}-{next(_counter)}"
        if self._post(
            "/quan-chung/them/",
            {
                "full_name": "Lò Văn Tải",
                "date_of_birth": "15/06/1998",
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
        if self._post(
            f"/quan-chung/{random.choice(ids)}/buoc/course/",
            {"course_certificate_no": marker, "course_date": today()},
            "POST awareness course",
        ):
            with _lock:
                POSTS["trained"].append(marker)
