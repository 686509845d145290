"""The database side of the load test (benchmarks/load.sh): the accounts and the workbook to import
before, the check after.

python manage.py shell -c "from benchmarks.loadtest import prepare; prepare('/tmp/accounts.json')"
python manage.py shell -c "from benchmarks.loadtest import check; check('/tmp/posts.json')"
"""

import datetime
import json
import os
from pathlib import Path

from django.db import transaction

from recruitment.importing.workbook import PEOPLE
from recruitment.models import Candidate
from units.models import Role, Unit, User
from units.spreadsheets import StreamingWorkbook, write_safe_row

PASSWORD = "demo1234"
COMMITTEE_STAFF = 16
# The one import of the run: this many people newly listed in the importing committee's cells.
IMPORT_PEOPLE = int(os.environ.get("LOAD_IMPORT_PEOPLE", 2000))
FAMILY = ("Lò", "Quàng", "Tòng", "Cầm", "Vì", "Lường", "Hà", "Nguyễn")
GIVEN = ("Văn Sơn", "Thị Hoa", "Văn Tùng", "Thị Lan", "Văn Hải", "Thị Mai")


def import_marker(run):
    """What the imported people carry as their mentor's name: LT-<run>-import-<n>."""
    return f"LT-{run}-import-"


def write_import_workbook(path, cell_codes, run, people=IMPORT_PEOPLE):
    """The people sheet of the template with `people` people listed in the given cells, each marked
    (import_marker) so that check() finds every one of them after the import."""
    workbook = StreamingWorkbook()
    sheet = workbook.add_worksheet(PEOPLE.title)
    columns = [column.key for column in PEOPLE.columns]
    plain = [None] * len(columns)
    write_safe_row(sheet, 0, [column.header for column in PEOPLE.columns], plain)
    listed = datetime.date.today() - datetime.timedelta(days=30)
    for n in range(people):
        row = {
            "cell": cell_codes[n % len(cell_codes)],
            "full_name": f"{FAMILY[n % len(FAMILY)]} {GIVEN[n % len(GIVEN)]} {n}",
            "date_of_birth": datetime.date(1990 + n % 12, 1 + n % 12, 1 + n % 28),
            "gender": "Nữ" if "Thị" in GIVEN[n % len(GIVEN)] else "Nam",
            "ethnicity": "Thái",
            "occupation": "Nông dân",
            "listed_on": listed,
            "mentor_name": f"{import_marker(run)}{n}",
        }
        write_safe_row(sheet, n + 1, [row.get(key) for key in columns], plain)
    workbook.save(path)


def _account(username, unit, role):
    user, created = User.objects.get_or_create(username=username, defaults={"unit": unit, "role": role})
    if created or not user.check_password(PASSWORD):
        user.unit, user.role = unit, role
        user.set_password(PASSWORD)
        user.save()
    return user


@transaction.atomic
def prepare(path, import_people=IMPORT_PEOPLE):
    """20 accounts: staff of 16 committees (each writes in its own subtree, so no two users race
    for the same person), two cell secretaries, the province's staff and leadership (read only)."""
    province = Unit.objects.get_first_root_node()
    committees = list(Unit.objects.children_of(province))
    accounts = []
    for index, committee in enumerate(committees[1 : COMMITTEE_STAFF + 1], start=1):
        user = _account(f"tai_thu_{index:02d}", committee, Role.STAFF)
        accounts.append({"username": user.username, "role": "staff", "unit": committee.code, "writes": True})
    # Secretaries of two cells of the first committee (the demo's `bithu` sits there too).
    cells = list(Unit.objects.subtree(committees[0]).cells().order_by("path")[:2])
    for index, cell in enumerate(cells, start=1):
        user = _account(f"tai_thu_bt_{index}", cell, Role.SECRETARY)
        accounts.append({"username": user.username, "role": "secretary", "unit": cell.code, "writes": True})
    for username, role in (("tai_thu_tinh", Role.STAFF), ("tai_thu_lanh_dao", Role.LEADERSHIP)):
        user = _account(username, province, role)
        accounts.append({"username": user.username, "role": role.value, "unit": province.code, "writes": False})
    for account in accounts:
        unit = Unit.objects.get(code=account["unit"])
        account["cells"] = list(Unit.objects.subtree(unit).cells().order_by("path").values_list("pk", flat=True)[:20])
    # One more user, beside the 20, makes the run's one import: staff of the first committee, into its cells.
    importer = _account("tai_thu_nhap", committees[1], Role.STAFF)
    run = os.environ.get("LOAD_RUN", "run")
    workbook = Path(path).with_name("import.xlsx")
    codes = list(Unit.objects.subtree(importer.unit).cells().order_by("path").values_list("code", flat=True)[:20])
    write_import_workbook(workbook, codes, run, import_people)
    with open(path, "w") as out:
        json.dump(
            {
                "password": PASSWORD,
                "accounts": accounts,
                "import": {
                    "username": importer.username,
                    "path": str(workbook),
                    "people": import_people,
                    "marker": import_marker(run),
                },
            },
            out,
        )
    print(f"{len(accounts)} accounts written to {path}; the import of {import_people} people in {workbook}")


def check(path):
    """Every POST the load tool saw succeed has its record in the database: nothing lost."""
    with open(path) as posts_file:
        posts = json.load(posts_file)
    created = set(posts["created"])
    trained = set(posts["trained"])
    found_created = set(Candidate.objects.filter(mentor_name__in=created).values_list("mentor_name", flat=True))
    found_trained = set(
        Candidate.objects.filter(course_certificate_no__in=trained).values_list("course_certificate_no", flat=True)
    )
    lost = len(created - found_created) + len(trained - found_trained)
    # The run's import: confirmed and done, every person is there; failed or not confirmed, none is.
    imported = posts.get("imported") or {}
    line = "; import: not started"
    if imported:
        found = Candidate.objects.filter(mentor_name__startswith=imported["marker"]).count()
        if imported["status"] in ("done", "confirmed"):
            lost += abs(imported["people"] - found)
        elif found not in (0, imported["people"]):  # unfinished or failed: all or nothing, never a part
            lost += found
        line = f"; import: {imported['status']} ({imported['people']} people in the file), {found} found"
    print(
        f"people listed: {len(created)} POSTs answered, {len(found_created)} found; "
        f"awareness courses recorded: {len(trained)} POSTs answered, {len(found_trained)} found{line}; lost: {lost}"
    )
    if lost:
        raise SystemExit(1)
