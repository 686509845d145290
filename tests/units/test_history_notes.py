"""A history note names units by id, resolved for whoever reads it: a reorganisation's notes (merged
into, consolidated into, received, targets and headcounts added, a split's moves and targets) name a
unit outside the reader's scope as "Đơn vị khác" on every page that shows them, and old notes that
named units by name or code are rewritten (units/migrations/0009)."""

import datetime
import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_unit, make_user
from units import accounts, audit, reorganisation, services
from units.models import Headcount, Placement, Role, Target, Unit, UnitKind, User

pytestmark = pytest.mark.django_db

OUTSIDE = "Đơn vị khác"
JULY_2025 = datetime.date(2025, 7, 1)
HISTORIES = (Unit, User, Target, Headcount)


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _history_part(page):
    return page[page.index("data-history-type") :]


def _notes():
    return [
        note
        for model in HISTORIES
        for note in model.history.exclude(history_change_reason=None).values_list("history_change_reason", flat=True)
    ]


def _names_and_codes():
    names = set(Unit.objects.values_list("name", flat=True)) | set(Placement.objects.values_list("name", flat=True))
    return names, set(Unit.objects.values_list("code", flat=True))


def _named_in(note, names, codes):
    """The units `note` names by name or code (a code as a whole word: "A" is not in "QĐ/TU")."""
    found = {name for name in names if name in note}
    found |= {code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", note)}
    return found


# --- A merger: the successor's readers do not see the unit merged into it ----------------------------


@pytest.fixture
def merged(tree, users):
    """Cell A1-1 (committee A) merged into the grassroots cell B2 (committee B): A1-1 stands beside B2
    under committee B from then on, so B2's own staff see B2 but neither A1-1 nor committee A."""
    services.target_set(unit=tree.cell_a1, year=2025, admissions=3)
    services.headcount_set(unit=tree.cell_a1, year=2025, members=12)
    reorganisation.merge(
        units=[tree.cell_a1],
        into=tree.enterprise,
        decided_by=tree.province,
        effective_date=JULY_2025,
        decision_no="5-QĐ/TU",
        actor=users.province_staff,
    )
    return make_user(tree.enterprise, Role.STAFF, "tochuc_b2")


def test_a_merger_s_notes_name_the_merged_unit_only_to_who_may_see_it(client, tree, users, merged):
    staff_b2 = merged
    pages = [
        reverse("dashboard:unit_detail", args=[tree.enterprise.pk]),
        reverse("dashboard:unit_history", args=[tree.enterprise.pk]),
    ]
    for url in pages:
        page = _page(client, staff_b2, url)
        history = _history_part(page)
        assert f"Tiếp nhận {OUTSIDE} (sáp nhập, 5-QĐ/TU)" in history
        assert f"Cộng chỉ tiêu của {OUTSIDE} (sắp xếp tổ chức)" in history
        assert f"Cộng số đảng viên của {OUTSIDE} (sắp xếp tổ chức)" in history
        assert "Chi bộ thôn 1" not in page and "A1-1" not in page and "{unit:" not in page
        history = _history_part(_page(client, users.province_staff, url))
        assert "Tiếp nhận Chi bộ thôn 1 (sáp nhập, 5-QĐ/TU)" in history
        assert "Cộng chỉ tiêu của Chi bộ thôn 1 (sắp xếp tổ chức)" in history
    # The cell's secretary followed it into B2: their account's history does not name the old cell.
    page = _page(client, staff_b2, reverse("accounts:detail", args=[users.secretary_a1.pk]))
    assert "Chi bộ thôn 1" not in page and OUTSIDE in _history_part(page)
    # The merged cell's own history, for the province.
    page = _page(client, users.province_staff, reverse("dashboard:unit_detail", args=[tree.cell_a1.pk]))
    assert "Sáp nhập vào “Chi bộ Công ty TNHH B2” từ 01/07/2025 (5-QĐ/TU)" in _history_part(page)


def test_the_admin_s_history_names_every_unit_to_a_superuser(client, tree, merged):
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    target = Target.objects.get(unit=tree.enterprise, year=2025)
    response = client.get(reverse("admin:units_target_history", args=[target.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cộng chỉ tiêu của Chi bộ thôn 1 (sắp xếp tổ chức)" in page and "{unit:" not in page


# --- A split: a part's readers do not see the unit split, nor its committee ---------------------------


@pytest.fixture
def split(tree, users):
    """B1 (committee B) split: its cell B1-1 and a target of 4 go to A1 (committee A), and B1 ends."""
    reorganisation.split(
        unit=tree.org_b,
        parts=[reorganisation.SplitPart(children=[tree.cell_b1], unit=tree.org_a, target=4)],
        decided_by=tree.province,
        effective_date=JULY_2025,
        decision_no="6-QĐ/TU",
        actor=users.province_staff,
    )


def test_a_split_s_notes_name_the_split_unit_only_to_who_may_see_it(client, tree, users, split):
    moved = f"Chuyển từ “{OUTSIDE}” sang “Đảng bộ xã A1” từ 01/07/2025 (6-QĐ/TU)"
    target = f"Chỉ tiêu khi chia tách {OUTSIDE} (sắp xếp tổ chức)"
    for url, expected in (
        (reverse("dashboard:unit_detail", args=[tree.cell_b1.pk]), [moved]),
        (reverse("dashboard:unit_detail", args=[tree.org_a.pk]), [target]),
        (reverse("dashboard:unit_history", args=[tree.committee_a.pk]), [moved, target]),
    ):
        page = _page(client, users.staff_a, url)
        for line in expected:
            assert line in _history_part(page)
        assert "Đảng bộ phường B1" not in page and "Đảng bộ huyện B" not in page and "{unit:" not in page
    page = _page(client, users.province_staff, reverse("dashboard:unit_detail", args=[tree.cell_b1.pk]))
    assert "Chuyển từ “Đảng bộ phường B1” sang “Đảng bộ xã A1” từ 01/07/2025 (6-QĐ/TU)" in _history_part(page)
    page = _page(client, users.province_staff, reverse("dashboard:unit_detail", args=[tree.org_a.pk]))
    assert "Chỉ tiêu khi chia tách Đảng bộ phường B1 (sắp xếp tổ chức)" in _history_part(page)


# --- Every note a service writes names its units by id ----------------------------------------------


def test_no_note_a_service_writes_names_a_unit(tree, users):
    today = timezone.localdate()  # unit_move places from today: the later events are dated from it
    decision = {"decided_by": tree.province, "effective_date": today, "actor": users.province_staff}
    services.target_set(unit=tree.committee_a, year=today.year, admissions=6)
    reorganisation.consolidate(
        units=[tree.cell_a1, tree.cell_a2],
        code="A1-9",
        name="Chi bộ thôn hợp nhất",
        kind=UnitKind.CELL,
        parent=tree.org_a,
        decision_no="1-QĐ/TU",
        **decision,
    )
    reorganisation.move(unit=tree.org_b, new_parent=tree.committee_a, decision_no="2-QĐ/TU", **decision)
    services.unit_move(unit=tree.enterprise, new_parent=tree.committee_a, actor=users.province_staff)
    accounts.account_move(actor=users.province_staff, account=users.staff_a, unit=tree.committee_b)
    reorganisation.merge(units=[tree.committee_a], into=tree.committee_b, decision_no="3-QĐ/TU", **decision)
    notes = _notes()
    assert any(note.startswith("Hợp nhất thành “{unit:") for note in notes)
    assert any(note.startswith("Sáp nhập vào “{unit:") for note in notes)
    assert any(note.startswith("Tiếp nhận {unit:") for note in notes)
    names, codes = _names_and_codes()
    for note in notes:
        assert not _named_in(note, names, codes), note
    # Each resolves for the province to the names of today.
    created = Unit.objects.get(code="A1-9")
    reason = Unit.history.filter(id=tree.cell_a1.pk).latest("history_id").history_change_reason
    names_for = audit.related_names((), (), viewer=users.province_staff, units=audit.units_in_reason(reason))
    assert audit.resolve_reason(reason, names_for).startswith(f"Hợp nhất thành “{created.name}” từ {today:%d/%m/%Y}")


def test_a_note_fits_its_column_and_is_never_cut_inside_an_id(tree, users):
    cells = [make_unit(tree.org_a, code=f"A1-{n}", name=f"Chi bộ xóm {n}") for n in range(3, 15)]
    reorganisation.merge(
        units=cells,
        into=tree.cell_a1,
        decided_by=tree.committee_a,
        effective_date=JULY_2025,
        decision_no="7-QĐ/ĐU",
        actor=users.staff_a,
    )
    received = Unit.history.filter(id=tree.cell_a1.pk).latest("history_id").history_change_reason
    assert len(received) <= audit.REASON_LENGTH and received.startswith("Tiếp nhận {unit:")
    assert ", … (sáp nhập, 7-QĐ/ĐU)" in received
    reorganisation.move(
        unit=tree.cell_a2,
        new_parent=tree.org_b,
        decided_by=tree.province,
        effective_date=JULY_2025,
        decision_no="8-QĐ/TU " + "x" * 90,
        actor=users.province_staff,
    )
    moved = Unit.history.filter(id=tree.cell_a2.pk).latest("history_id").history_change_reason
    assert len(moved) <= audit.REASON_LENGTH and moved.endswith("…") and moved.startswith("Chuyển từ “{unit:")
    # A cut that would fall inside an id drops the id.
    assert audit.fit_reason("x" * 95 + "{unit:123}") == "x" * 95 + "…"
    assert audit.fit_reason("x" * 80 + "{unit:123}, " + "y" * 20) == "x" * 80 + "{unit:123}, " + "y" * 7 + "…"


# --- The reorganisation page's list of decisions ----------------------------------------------------


def test_the_list_of_decisions_does_not_name_a_unit_since_moved_out(client, tree, users):
    org_a2 = make_unit(tree.committee_a, code="A2", name="Đảng bộ xã A2")
    reorganisation.move(
        unit=tree.cell_a1,
        new_parent=org_a2,
        decided_by=tree.committee_a,
        effective_date=JULY_2025,
        decision_no="9-QĐ/HU",
        actor=users.staff_a,
    )
    services.unit_move(unit=org_a2, new_parent=tree.committee_b, actor=users.province_staff)
    url = reverse("units:reorganisation", args=[tree.committee_a.pk])
    page = _page(client, users.staff_a, url)
    events = page[page.index('data-testid="reorg-events"') :]
    # The decision's units: A1-1 and A2, now under committee B, and A1, still committee A's.
    assert "9-QĐ/HU" in events and events.count(OUTSIDE) == 2
    assert re.search(r"(?<![\w-])A1(?![\w-])", events)
    assert "A1-1" not in events and "A2" not in events
    events = _page(client, users.province_staff, reverse("units:reorganisation", args=[tree.province.pk]))
    assert "A1-1" in events and "A2" in events


# --- Old notes, written with names and codes: the data migration -------------------------------------

migration = importlib.import_module("units.migrations.0009_history_notes_name_units_by_id")


def _write(record, note, when=None):
    """A history row of `record` with `note`, as the code before ids wrote it (on `when`)."""
    record = type(record).objects.get(pk=record.pk)
    record._change_reason = note
    record.save()
    row = type(record).history.filter(id=record.pk).latest("history_id")
    if when is not None:
        type(record).history.filter(history_id=row.history_id).update(
            history_date=timezone.make_aware(datetime.datetime.combine(when, datetime.time(10)))
        )
    return row.history_id


def _note(model, history_id):
    return model.history.get(history_id=history_id).history_change_reason


def ref(unit):
    return audit.unit_ref(unit)


def test_old_notes_are_rewritten_by_id_and_keep_no_name(tree, users):
    # A1 renamed from 1 July 2025; from 1 September a new unit takes its old name: a note written in
    # between, or before, means the unit that had the name on that day.
    reorganisation.rename(
        unit=tree.org_a,
        new_name="Đảng bộ xã A1 mới",
        decided_by=tree.province,
        effective_date=JULY_2025,
        decision_no="1-QĐ/TU",
    )
    taker = reorganisation.establish(
        code="B3",
        name="Đảng bộ xã A1",
        kind=UnitKind.GRASSROOTS_COMMITTEE,
        parent=tree.committee_b,
        decided_by=tree.province,
        effective_date=datetime.date(2025, 9, 1),
        decision_no="2-QĐ/TU",
    )
    taker = Unit.objects.get(code="B3")
    twin = make_unit(tree.org_b, code="B1-2", name="Chi bộ thôn 1")  # the name of A1-1 too: ambiguous
    unknown = audit.NO_UNIT_REF  # what the migration writes for a name it cannot tell
    target = services.target_set(unit=tree.enterprise, year=2025, admissions=2)
    org_a, cell_a1 = Unit.objects.get(code="A1"), Unit.objects.get(code="A1-1")
    cases = [
        # (record, old note, day written, the note after)
        (
            cell_a1,
            "Chuyển từ “Đảng bộ xã A1” sang “Đảng bộ phường B1”",
            datetime.date(2025, 3, 1),
            f"Chuyển từ “{ref(org_a)}” sang “{ref(tree.org_b)}”",
        ),
        (
            cell_a1,
            "Chuyển từ “Đảng bộ xã A1” sang “Đảng bộ huyện B” từ 01/10/2025 (12-QĐ/TU)",
            datetime.date(2025, 10, 2),
            f"Chuyển từ “{ref(taker)}” sang “{ref(tree.committee_b)}” từ 01/10/2025 (12-QĐ/TU)",
        ),
        (
            tree.org_b,
            "Moved from “Đảng bộ huyện A” to “—” on 01/07/2025 (12-QĐ/TU)",
            None,
            f"Moved from “{ref(tree.committee_a)}” to “—” on 01/07/2025 (12-QĐ/TU)",
        ),
        (
            tree.cell_a2,
            "Sáp nhập vào “Chi bộ thôn 1” từ 01/07/2025 (5-QĐ/TU)",
            None,
            f"Sáp nhập vào “{unknown}” từ 01/07/2025 (5-QĐ/TU)",
        ),
        (
            tree.cell_a2,
            "Hợp nhất thành “Chi bộ không còn” từ 01/07/2025 (5-QĐ/TU)",
            None,
            f"Hợp nhất thành “{unknown}” từ 01/07/2025 (5-QĐ/TU)",
        ),
        (
            tree.cell_a2,
            "Chuyển từ “Đảng bộ huyện A” sang “Đảng bộ huy",  # cut at the column's end
            None,
            f"Chuyển từ “{ref(tree.committee_a)}” sang “{unknown}",
        ),
        (
            tree.enterprise,
            "Tiếp nhận A1-1, A1-2 (sáp nhập, 5-QĐ/TU)",
            None,
            f"Tiếp nhận {ref(cell_a1)}, {ref(tree.cell_a2)} (sáp nhập, 5-QĐ/TU)",
        ),
        (tree.enterprise, "Received A1-1, ZZ9 (merger, 5)", None, f"Received {ref(cell_a1)}, {unknown} (merger, 5)"),
        (tree.enterprise, "Tiếp nhận B1-1, A1-", None, f"Tiếp nhận {ref(tree.cell_b1)}, {unknown}"),
        (
            target,
            "Cộng chỉ tiêu của A1 (sắp xếp tổ chức)",
            None,
            f"Cộng chỉ tiêu của {ref(org_a)} (sắp xếp tổ chức)",
        ),
        (
            target,
            "Add the targets of B1 (reorganisation)",
            None,
            f"Add the targets of {ref(tree.org_b)} (reorganisation)",
        ),
        (
            users.staff_a,
            "Chuyển từ “Đảng bộ huyện A” sang “Đảng bộ huyện B”",
            None,
            f"Chuyển từ “{ref(tree.committee_a)}” sang “{ref(tree.committee_b)}”",
        ),
    ]
    kept = [
        (tree.cell_a2, "Đổi tên từ “Chi bộ thôn 2 cũ” từ 01/07/2025 (4-QĐ/TU)"),  # the unit's own old name
        (tree.cell_a2, f"Chuyển từ “{ref(tree.org_a)}” sang “—”"),  # by id already
        (users.staff_a, "Tạo tài khoản"),
    ]
    written = [(type(record), _write(record, note, when), after) for record, note, when, after in cases]
    untouched = [(type(record), _write(record, note), note) for record, note in kept]

    migration.forward(django_apps, None)

    for model, history_id, after in [*written, *untouched]:
        assert _note(model, history_id) == after
    names, codes = _names_and_codes()
    for model, history_id, _after in written:
        assert not _named_in(_note(model, history_id), names, codes)
    # Run again: nothing changes.
    migration.forward(django_apps, None)
    for model, history_id, after in written:
        assert _note(model, history_id) == after
    assert twin.pk  # built only to make "Chi bộ thôn 1" ambiguous


def test_a_rewritten_note_names_a_unit_outside_the_reader_s_scope_as_any_other(tree, users):
    staff_b = make_user(tree.committee_b, Role.STAFF, "tochuc_b")
    services.unit_move(unit=tree.org_a, new_parent=tree.committee_b, actor=users.province_staff)
    Unit.history.filter(id=tree.org_a.pk).update(
        history_change_reason="Chuyển từ “Đảng bộ huyện A” sang “Đảng bộ huyện B”"
    )
    migration.forward(django_apps, None)
    records = Unit.history.filter(id=tree.org_a.pk).order_by("-history_id")[:1]
    assert audit.describe(records, Unit, viewer=staff_b)[0].reason == f"Chuyển từ “{OUTSIDE}” sang “Đảng bộ huyện B”"
    assert audit.describe(records, Unit, viewer=users.province_staff)[0].reason == (
        "Chuyển từ “Đảng bộ huyện A” sang “Đảng bộ huyện B”"
    )


def test_old_notes_of_units_with_the_same_names_are_told_apart_by_what_happened_that_day(tree, users):
    """Names repeat (a commune of 2025 took a predecessor's name; "Chi bộ thôn 1" stands in every
    commune): a move's parents and a merger's successor are read from the dated tree of the note's day,
    the unit's own move or successor first."""
    # A twin of each unit named below, and another merger into the twin of B2 on the same day.
    make_unit(tree.committee_b, code="B9", name=tree.org_a.name)
    make_unit(tree.committee_a, code="A9", name=tree.org_b.name)
    twin_b2 = make_unit(
        tree.committee_a,
        UnitKind.GRASSROOTS_CELL,
        code="A8",
        name=tree.enterprise.name,
        grassroots_type=tree.enterprise.grassroots_type,
    )
    other = make_unit(tree.org_a, code="A1-3", name="Chi bộ thôn 3")
    decision = {"decided_by": tree.province, "effective_date": JULY_2025, "decision_no": "7-QĐ/TU"}
    reorganisation.move(unit=tree.cell_a1, new_parent=tree.org_b, **decision)
    reorganisation.merge(units=[tree.cell_a2], into=tree.enterprise, **decision)
    reorganisation.merge(units=[other], into=twin_b2, **decision)
    moved = _write(tree.cell_a1, f"Chuyển từ “{tree.org_a.name}” sang “{tree.org_b.name}” từ 01/07/2025 (7-QĐ/TU)")
    merged = _write(tree.cell_a2, f"Sáp nhập vào “{tree.enterprise.name}” từ 01/07/2025 (7-QĐ/TU)")

    migration.forward(django_apps, None)

    assert _note(Unit, moved) == f"Chuyển từ “{ref(tree.org_a)}” sang “{ref(tree.org_b)}” từ 01/07/2025 (7-QĐ/TU)"
    assert _note(Unit, merged) == f"Sáp nhập vào “{ref(tree.enterprise)}” từ 01/07/2025 (7-QĐ/TU)"
