"""The preview of the sheet "Sắp xếp tổ chức": each event as it will happen, in date order, with the
units before -> after and what the service's plan carries (targets, headcounts, accounts), stored
small on the record and shown a page at a time; only units in the importer's scope are named."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recruitment import import_views
from recruitment.importing import import_workbook, preview
from recruitment.models import WorkbookImport
from units import reorganisation
from units.models import Headcount, ReorgEvent, Target, Unit

from .test_reorganisation_sheet import GOOD, sheet

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _events(result_or_record):
    stored = result_or_record.preview
    return next(s for s in stored["sheets"] if s["key"] == "reorganisation")


def _checked(client, user, path):
    client.force_login(user)
    data = SimpleUploadedFile("sap-xep.xlsx", path.read_bytes(), content_type=XLSX)
    client.post(reverse("imports:start"), {"file": data})
    return WorkbookImport.objects.get()


def _codes(value):
    """Every unit code the stored event names, however deep."""
    if isinstance(value, dict):
        found = {value["code"]} if "code" in value and "name" in value else set()
        return found.union(*(_codes(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_codes(item) for item in value))
    return set()


def test_the_check_lists_each_event_in_date_order_with_what_it_carries(
    client, tree, users, workbook, django_assert_num_queries
):
    Target.objects.create(unit=tree.committee_a, year=2025, admissions=40)
    Headcount.objects.create(unit=tree.committee_b, year=2025, members=900)
    record = _checked(client, users.province_staff, workbook(sheet(*GOOD)))
    assert record.status == "ready", record.errors
    assert not ReorgEvent.objects.exists() and not Unit.objects.filter(code="C").exists()  # a check writes nothing

    stored = _events(record)
    assert stored["kinds"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    # in date order (the sheet's order within a day), not the sheet's order
    assert [row["row"] for row in stored["rows"]] == [3, 4, 2]
    consolidation, rename, dissolution = (row["event"] for row in stored["rows"])
    assert stored["rows"][0]["label"] == "01/07/2025 · Hợp nhất · 1-QĐ/TU"
    assert [(u["code"], u["name"]) for u in consolidation["before"]] == [
        ("A", "Đảng bộ huyện A"),
        ("B", "Đảng bộ huyện B"),
    ]
    [after] = consolidation["after"]
    assert (after["code"], after["name"], after["parent"]["code"]) == ("C", "Đảng bộ huyện C", "P")
    assert [(t["source"]["code"], t["to"]["code"], t["period"], t["admissions"]) for t in consolidation["targets"]] == [
        ("A", "C", "2025", 40)
    ]
    assert [(h["source"]["code"], h["members"]) for h in consolidation["headcounts"]] == [("B", 900)]
    assert [(a["username"], a["to"]["code"]) for a in consolidation["accounts"]] == [("tochuc_a", "C")]
    assert [(m["unit"]["code"], m["new_parent"]["code"]) for m in consolidation["moves"]] == [
        ("A1", "C"),
        ("B1", "C"),
        ("B2", "C"),
    ]
    assert (rename["before"][0]["name"], rename["after"][0]["name"]) == ("Đảng bộ xã A1", "Đảng bộ xã A1 mới")
    assert [u["code"] for u in dissolution["before"]] == ["B2"] and dissolution["after"] == []

    url = reverse("imports:detail", args=[record.pk])
    # session, user with its unit, the record
    with django_assert_num_queries(3):
        page = client.get(url, {"sheet": "reorganisation"}).content.decode()
    assert 'data-testid="import-events"' in page
    assert page.index("1-QĐ/TU") < page.index("2-QĐ/TU") < page.index("3-QĐ/TU")
    assert "A · Đảng bộ huyện A; B · Đảng bộ huyện B" in page
    assert "C · Đảng bộ huyện C</span> (Đảng bộ trực thuộc, thuộc Đảng bộ tỉnh Thử)" in page
    assert "A → Đảng bộ huyện C: 2025, 40" in page and "B → Đảng bộ huyện C: 2025, 900" in page
    assert "tochuc_a" in page and "chuyển sang Đảng bộ huyện C" in page
    assert "A1 · Đảng bộ xã A1" in page  # the moves' table, as on the reorganisation page
    # the error filter keeps the tab; a page number past the end reads as the last
    assert client.get(url, {"sheet": "reorganisation", "kind": "error", "page": "x"}).status_code == 200


def test_unchanged_and_refused_events_keep_their_place_with_the_codes_as_typed(tree, workbook):
    reorganisation.rename(
        unit=tree.org_a,
        new_name="Đảng bộ xã A1 mới",
        effective_date=datetime.date(2025, 7, 1),
        decision_no="2-QĐ/TU",
        decided_by=tree.province,
    )
    refused = ("01/08/2025", "9-QĐ", "Giải thể", "A1", None, None, None, None)  # a unit is still below it
    split = ("01/08/2025", "8-QĐ", "Chia tách", "B")
    result = import_workbook(workbook(sheet(refused, split, GOOD[2])), dry_run=True)
    rows = _events(result)["rows"]
    assert [(row["row"], row["kind"], row["codes"], row["event"]) for row in rows] == [
        (4, "unchanged", "A1", None),
        (2, "error", "A1", None),
        (3, "error", "B", None),
    ]
    assert rows[1]["label"] == "01/08/2025 · Giải thể · 9-QĐ" and "còn đơn vị trực thuộc" in rows[1]["notes"][0]


def test_the_stored_preview_is_small_and_the_page_says_how_many_more(client, tree, users, workbook, monkeypatch):
    monkeypatch.setattr(preview, "PREVIEW_EVENTS", 3)
    monkeypatch.setattr(preview, "EVENT_ITEMS", 1)
    monkeypatch.setattr(import_views, "EVENTS_PER_PAGE", 2)
    renames = [("01/0%d/2025" % month, f"{month}-QĐ", "Đổi tên", "A1", None, f"Tên {month}") for month in (5, 4, 3, 2)]
    record = _checked(client, users.province_staff, workbook(sheet(GOOD[1], *renames)))
    stored = _events(record)
    assert stored["total"] == 5 and stored["kinds"]["created"] == 5
    assert [row["label"].split(" · ")[2] for row in stored["rows"]] == ["2-QĐ", "3-QĐ", "4-QĐ"]
    url = reverse("imports:detail", args=[record.pk])
    first = client.get(url, {"sheet": "reorganisation"}).content.decode()
    assert "2-QĐ" in first and "3-QĐ" in first and "4-QĐ" not in first and "sự kiện nữa" not in first
    assert "sheet=reorganisation&amp;page=2" in first
    last = client.get(url, {"sheet": "reorganisation", "page": 2}).content.decode()
    assert "4-QĐ" in last and "… và 2 sự kiện nữa" in last

    # each list of an event is cut as well, with how many more
    result = import_workbook(workbook(sheet(GOOD[1])), dry_run=True)
    [row] = _events(result)["rows"]
    assert len(row["event"]["moves"]) == 1 and row["event"]["moves_more"] == 2


def test_only_units_in_the_importer_s_scope_are_named(client, tree, users, workbook):
    Target.objects.create(unit=tree.cell_a2, year=2025, admissions=2)
    reorganisation.rename(
        unit=tree.org_b,
        new_name="Phường B1 mới",
        effective_date=datetime.date(2025, 7, 1),
        decision_no="5-QĐ/TU",
        decided_by=tree.province,
    )
    merge = ("01/07/2025", "7-QĐ/HU", "Sáp nhập", "A1-2", "A1-1", None, None, None)
    record = _checked(client, users.staff_a, workbook(sheet(merge)))
    assert record.status == "ready", record.errors
    [row] = _events(record)["rows"]
    scope = set(Unit.objects.restrict(users.staff_a, "view").values_list("code", flat=True))
    assert _codes(row["event"]) == {"A1-1", "A1-2"} and _codes(row["event"]) <= scope
    assert row["event"]["targets"][0]["admissions"] == 2

    # an event outside the scope, recorded already, is unknown: not "recorded already"
    outside = ("01/07/2025", "5-QĐ/TU", "Đổi tên", "B1", None, "Phường B1 mới", None, None)
    result = import_workbook(workbook(sheet(outside)), actor=users.staff_a, dry_run=True)
    assert [error.message for error in result.errors] == ["Không có đơn vị mã “B1”."]
    assert "reorg_unchanged" not in result.counts
    assert "Phường" not in str(result.preview)
