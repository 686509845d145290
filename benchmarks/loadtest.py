"""The database side of the load test (benchmarks/load.sh): the accounts before, the check after.

python manage.py shell -c "from benchmarks.loadtest import prepare; prepare('/tmp/accounts.json')"
python manage.py shell -c "from benchmarks.loadtest import check; check('/tmp/posts.json')"
"""

import json

from django.db import transaction

from recruitment.models import Candidate
from units.models import Role, Unit, User

PASSWORD = "demo1234"
COMMITTEE_STAFF = 16


def _account(username, unit, role):
    user, created = User.objects.get_or_create(username=username, defaults={"unit": unit, "role": role})
    if created or not user.check_password(PASSWORD):
        user.unit, user.role = unit, role
        user.set_password(PASSWORD)
        user.save()
    return user


@transaction.atomic
def prepare(path):
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
    with open(path, "w") as out:
        json.dump({"password": PASSWORD, "accounts": accounts}, out)
    print(f"{len(accounts)} accounts written to {path}")


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
    print(
        f"people listed: {len(created)} POSTs answered, {len(found_created)} found; "
        f"awareness courses recorded: {len(trained)} POSTs answered, {len(found_trained)} found; lost: {lost}"
    )
    if lost:
        raise SystemExit(1)
