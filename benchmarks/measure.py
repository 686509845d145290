"""The measurements behind `python manage.py bench`, each against a reference taken in the same run.

1. The province progress report page (a full response through Django's test client, logged in as the
   province's organisation-board staff) against the floor: one hand-written SQL query computing the
   same numbers (per child of the province: target, admissions and members for the year; and the
   year's admissions by month for the chart).
2. The candidate list with a unit filter and a name search against Django admin's changelist for the
   Candidate model with the same filter and search, as a superuser.
3. The quarterly return workbook of the province, built as its page or job builds it (the reports,
   then the file's bytes): seconds, and the peak memory of a process that builds it once (ru_maxrss,
   and tracemalloc's peak of Python allocations), in a subprocess.
4. Queries per page at this database against the small demo data (in a subprocess on another
   database): they must be equal.

Times are medians over `repeat` runs after one warm-up run of each.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from recruitment.models import Candidate
from reports import excel, selectors
from units import paths
from units.models import Headcount, Placement, Role, Target, Unit, User
from units.periods import Period, quarter_of

REPORT_PAGES = ("progress", "breakdown", "pipeline", "coverage", "probation")


# --- who and what ------------------------------------------------------------------------------


@dataclass
class Subject:
    """The province, its staff and a superuser, logged-in clients, and the pages' parameters."""

    province: Unit
    committee: Unit
    staff: User
    superuser: User
    staff_client: Client
    admin_client: Client
    year: int
    quarter: int
    candidate: Candidate
    search: str


def subject():
    province = Unit.objects.get_first_root_node()
    if province is None:
        raise LookupError("no units: run `python manage.py seed_demo --scale large` first")
    staff = User.objects.filter(unit=province, role=Role.STAFF).order_by("pk").first()
    superuser = User.objects.filter(is_superuser=True).order_by("pk").first()
    if staff is None or superuser is None:
        raise LookupError("needs a staff account at the province and a superuser (seed_demo makes both)")
    # The committee with the most people: the list's unit filter then has the most work to do.
    committees = list(Unit.objects.children_of(province))
    committee = committees[0]
    today = timezone.localdate()
    # A person on the way (not yet decided): their page offers next steps, the most work for it.
    candidate = (
        Candidate.objects.in_subtree(committee)
        .filter(decision_date__isnull=True, exit_date__isnull=True)
        .order_by("pk")
        .first()
    )
    # What staff type to find someone: family and middle name and a given name's first letters, with
    # diacritics ("Nguyễn Văn H"); both the list and the admin fold it the same way.
    words = candidate.full_name.split()
    search = " ".join(words[:2] + [words[-1][:1]]) if len(words) > 2 else candidate.full_name
    staff_client, admin_client = Client(), Client()
    staff_client.force_login(staff)
    admin_client.force_login(superuser)
    return Subject(
        province,
        committee,
        staff,
        superuser,
        staff_client,
        admin_client,
        *quarter_of(today),
        candidate,
        search,
    )


def timed(fn, repeat):
    """Median seconds of `fn()` over `repeat` runs, after one warm-up run."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def get_ok(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    # Streaming responses are read to the end: the time is the full response.
    return b"".join(response) if getattr(response, "streaming", False) else response.content


# --- 1. the progress report against the floor ---------------------------------------------------


def floor_sql():
    target, candidate = Target._meta.db_table, Candidate._meta.db_table
    headcount, placement = Headcount._meta.db_table, Placement._meta.db_table
    month = (
        "CAST(strftime('%%m', person.decision_date) AS INTEGER)"
        if connection.vendor == "sqlite"
        else "CAST(EXTRACT(MONTH FROM person.decision_date) AS INTEGER)"
    )
    # The page's numbers and nothing else, the least any implementation must ask of the database:
    # admissions of the year by the child of the province each cell lay under on the period's last day
    # (reports count by the tree as it stood: units.tree) and by month, the children with their
    # targets and members (headcounts summed the same way), and the months.
    on_the_day = "{alias}.valid_from <= %(day)s AND {alias}.valid_to > %(day)s"
    return f"""
        WITH grid AS (
            SELECT substr(cell.path, 1, %(child_len)s) AS child_path, {month} AS month, COUNT(*) AS n
            FROM {candidate} person JOIN {placement} cell
                ON cell.unit_id = person.cell_id AND {on_the_day.format(alias="cell")}
            WHERE cell.path LIKE %(prefix)s AND person.decision_date BETWEEN %(start)s AND %(end)s
            GROUP BY 1, 2
        ), admitted AS (
            SELECT child_path, SUM(n) AS n FROM grid GROUP BY child_path
        ), members AS (
            SELECT substr(cell.path, 1, %(child_len)s) AS child_path, SUM(headcount.members) AS n
            FROM {headcount} headcount JOIN {placement} cell
                ON cell.unit_id = headcount.unit_id AND {on_the_day.format(alias="cell")}
            WHERE cell.path LIKE %(prefix)s AND headcount.year = %(year)s
            GROUP BY 1
        )
        SELECT 'child', child.path, target.admissions, COALESCE(admitted.n, 0), members.n
        FROM {placement} child
        LEFT JOIN {target} target ON target.unit_id = child.unit_id AND target.year = %(year)s
        LEFT JOIN admitted ON admitted.child_path = child.path
        LEFT JOIN members ON members.child_path = child.path
        WHERE child.path LIKE %(prefix)s AND child.depth = %(depth)s AND NOT child.folded
            AND {on_the_day.format(alias="child")}
        UNION ALL
        SELECT 'month', CAST(month AS VARCHAR(2)), NULL, SUM(n), NULL FROM grid GROUP BY month
        ORDER BY 1, 2
    """


def run_floor(province, year):
    """{"children": [(path, target, admitted, members)], "monthly": [12 counts]} in one query, by the
    tree of the year's last day (`province` as that tree placed it: excel.dated)."""
    period = Period.for_year(year)
    params = {
        "child_len": len(province.path) + paths.STEPLEN,
        "prefix": province.path + "%",
        "start": period.start,
        "end": period.end,
        "year": year,
        "depth": province.depth + 1,
        "day": period.end,
    }
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(), params)
        rows = cursor.fetchall()
    monthly = [0] * 12
    children = []
    for kind, key, target, admitted, members in rows:
        if kind == "month":
            monthly[int(key) - 1] = int(admitted)
        else:
            children.append((key, target, int(admitted), None if members is None else int(members)))
    return {"children": children, "monthly": monthly}


def placed_province(s, year):
    """The province and the tree its year's progress page counts by (the tree of the year's last day)."""
    return excel.dated(s.province, Period.for_year(year), today=timezone.localdate())


def check_floor_matches_the_report(s):
    """The floor computes the same numbers as the page (else the comparison means nothing)."""
    placed, tree = placed_province(s, s.year)
    report = selectors.progress_report(
        placed,
        Period.for_year(s.year),
        today=timezone.localdate(),
        candidates=selectors.counted_people(),
        tree=tree,
    )
    page = {
        "children": [(row.unit.path, row.target, row.admitted, row.members) for row in report.rows],
        "monthly": report.monthly,
    }
    floor = run_floor(placed, s.year)
    if page != floor:
        raise AssertionError("the floor query and the progress report disagree")
    return sum(admitted for _path, _target, admitted, _members in floor["children"])


def bench_progress(s, repeat):
    url = reverse("reports:progress", kwargs={"code": s.province.code}) + f"?year={s.year}"
    admitted = check_floor_matches_the_report(s)
    page = timed(lambda: get_ok(s.staff_client, url), repeat)
    placed, _tree = placed_province(s, s.year)
    floor = timed(lambda: run_floor(placed, s.year), repeat)
    return page, floor, admitted


# --- 2. the candidate list against the admin's changelist ------------------------------------------


def list_urls(s):
    query = "?" + urlencode({"unit": s.committee.pk, "q": s.search})
    return (reverse("recruitment:candidate_list") + query, reverse("admin:recruitment_candidate_changelist") + query)


def bench_list(s, repeat):
    ours, admin = list_urls(s)
    matches = Candidate.objects.in_subtree(s.committee).search(s.search).count()
    page = timed(lambda: get_ok(s.staff_client, ours), repeat)
    changelist = timed(lambda: get_ok(s.admin_client, admin), repeat)
    return page, changelist, matches


# --- 3. the quarterly return workbook --------------------------------------------------------------


def workbook_url(s):
    return reverse("reports:quarterly_return", kwargs={"code": s.province.code}) + f"?year={s.year}&quarter={s.quarter}"


def build_return(s):
    """The province's quarterly return built as the page (or a job) builds it for its staff: the
    reports of the people the staff may see, then the workbook's bytes. Independent of how the page
    hands the file over (at once, or through a job)."""
    period = Period.for_quarter(s.year, s.quarter)
    s.province.__dict__.pop("_closed_notes", None)  # as a fresh request: no note cached on the unit
    candidates = selectors.counted_people()
    today = timezone.localdate()
    placed, tree = excel.dated(s.province, period, today=today)  # the tree of the quarter's last day
    workbook = excel.quarterly_return(placed, period, candidates=candidates, today=today, tree=tree)
    return excel.workbook_bytes(workbook)


def bench_workbook(s, repeat):
    """Wall seconds (median), this process's CPU seconds (median; the database works in its own
    processes), and the size. On a busy machine wall time is CPU time waiting for a core."""
    cpu = []

    def run():
        started = time.process_time()
        build_return(s)
        cpu.append(time.process_time() - started)

    wall = timed(run, repeat)
    return wall, statistics.median(cpu[1:]), len(build_return(s))


def workbook_memory_in_child():
    """In the child process: build the workbook once; the process peak, then the Python peak."""
    s = subject()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    build_return(s)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    build_return(s)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rss_before_kb": before, "rss_peak_kb": after, "python_peak_bytes": peak}


def workbook_memory():
    output = subprocess.run(
        [sys.executable, "manage.py", "bench", "--workbook-memory"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- 4. queries per page -----------------------------------------------------------------------


def pages(s):
    """The pages whose query counts must not grow with the data, by name."""
    code = s.province.code
    period = f"?year={s.year}"
    ours_list, _admin = list_urls(s)
    kind = next(step.kind for step in s.candidate.next_steps())
    urls = {
        "home": reverse("home"),
        "list": reverse("recruitment:candidate_list"),
        "list (unit + search)": ours_list,
        "candidate": reverse("recruitment:candidate_detail", args=[s.candidate.pk]),
        "step form": reverse("recruitment:step_record", args=[s.candidate.pk, kind]),
        "board": reverse("recruitment:board"),
        "to-do": reverse("recruitment:todo"),
    }
    for name in REPORT_PAGES:
        urls[f"report: {name}"] = reverse(f"reports:{name}", kwargs={"code": code}) + period
    urls["quarterly return (xlsx)"] = workbook_url(s)
    return urls


def query_counts():
    s = subject()
    counts = {}
    for name, url in pages(s).items():
        with CaptureQueriesContext(connection) as captured:
            if name == "quarterly return (xlsx)":
                # A province's return is a job (reports.results): the page answers with the file built
                # for today's data, or sends to the job's page (302); both are counted.
                response = s.staff_client.get(url)
                if response.status_code not in (200, 302):
                    raise AssertionError(f"GET {url} answered {response.status_code}")
            else:
                get_ok(s.staff_client, url)
        counts[name] = len(captured.captured_queries)
    return counts


def query_counts_elsewhere(database_url):
    """The counts on another database (migrated and seeded with the demo data if empty)."""
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo", "--if-empty"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, check=True, capture_output=True
        )
    output = subprocess.run(
        [sys.executable, "manage.py", "bench", "--query-counts"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def data_size():
    today = timezone.localdate()
    return {
        "units": Unit.objects.count(),
        "cells": Unit.objects.cells().count(),
        "people": Candidate.objects.count(),
        "admissions": Candidate.objects.filter(decision_date__isnull=False).count(),
        f"admissions {today.year}": Candidate.objects.filter(decision_date__year=today.year).count(),
    }
