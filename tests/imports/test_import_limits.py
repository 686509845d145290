"""Holes 1 and 2 of the probe: a zip bomb and a full-height sheet. Both are refused with a message
before they cost a worker its memory, and parsing never holds the database."""

import io
import tracemalloc
import zipfile

import pytest
from django.db import connection
from openpyxl import load_workbook

from recruitment.importing import import_workbook, parse
from recruitment.importing.template import build_template
from recruitment.importing.workbook import MAX_CELL_LENGTH, read_workbook
from recruitment.models import Candidate

from .conftest import person

pytestmark = pytest.mark.django_db

MARK = "DAY-LA-QUA-BOM"  # ASCII: openpyxl writes other characters as &#...; references


def _messages(result):
    return [str(error) for error in result.errors]


def _rewrite(source, target, part, replace):
    """Copy the zip `source` to `target`, part `part` written by `replace(original_bytes, stream)`
    (part None: the part that holds MARK)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename != part and not (part is None and MARK.encode() in data):
                new.writestr(info.filename, data)
                continue
            with new.open(info.filename, "w", force_zip64=True) as stream:
                replace(data, stream)
    return target


def _one_cell_inflating(workbook, tmp_path, text_chunks):
    """A people sheet whose one text cell becomes `text_chunks` joined, written
    chunk by chunk so the test itself never holds it."""
    source = workbook({"Quần chúng": [person(name=MARK)]})

    def replace(data, stream):
        before, after = data.split(MARK.encode())
        stream.write(before)
        for chunk in text_chunks:
            stream.write(chunk)
        stream.write(after)

    return _rewrite(source, tmp_path / "bomb.xlsx", None, replace)


def test_a_cell_inflating_to_256_mb_is_refused_before_openpyxl_reads_it(tree, users, workbook, tmp_path):
    chunk = b"A" * (1024 * 1024)
    path = _one_cell_inflating(workbook, tmp_path, (chunk for _ in range(256)))
    assert path.stat().st_size < 2 * 1024 * 1024  # small on disk, well under the upload limit
    tracemalloc.start()
    try:
        result = import_workbook(path, actor=users.staff_a, dry_run=True, file_name="bom.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024  # openpyxl would have built the 256 MB string
    [message] = _messages(result)
    assert "bom.xlsx" in message and "giải nén quá lớn" in message
    assert not Candidate.objects.exists()


def test_a_part_that_inflates_200_times_is_refused_even_under_the_size_limits(tree, workbook, tmp_path):
    path = _one_cell_inflating(workbook, tmp_path, (b"B" * (1024 * 1024) for _ in range(8)))
    with pytest.raises(Exception) as refused:
        read_workbook(path, "nho.xlsx")
    assert "giải nén quá lớn" in str(refused.value)


def test_a_cell_longer_than_excel_allows_is_refused_while_streaming(tree, users, workbook, tmp_path):
    # Text that hardly compresses, so the size and ratio checks let it through: only its length tells.
    import random

    rng = random.Random(16)
    letters = "abcdefghijklmnopqrstuvwxyzàáạảãăằắặẳẵâầấậẩẫ"
    text = "".join(rng.choice(letters) for _ in range(MAX_CELL_LENGTH + 10)).encode()
    path = _one_cell_inflating(workbook, tmp_path, [text])
    result = import_workbook(path, actor=users.staff_a, dry_run=True, file_name="dai.xlsx")
    [message] = _messages(result)
    assert "dài hơn 32.767 ký tự" in message and "dai.xlsx" in message

    # Excel's own limit is fine, split into rich-text runs or not
    ok = _one_cell_inflating(workbook, tmp_path, [text[: MAX_CELL_LENGTH - 100]])
    assert read_workbook(ok)["people"].rows


def _with_shared_strings(source, target, strings):
    """`source` with its one text cell holding MARK moved to a shared-strings part holding `strings` (XML)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if MARK.encode() in data:
                start = data.rindex(b"<c ", 0, data.index(MARK.encode()))
                reference = data[start:].split(b'"')[1]
                end = data.index(b"</c>", start) + 4
                data = data[:start] + b'<c r="' + reference + b'" t="s"><v>0</v></c>' + data[end:]
            elif info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                )
            new.writestr(info.filename, data)
        new.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" count="1" uniqueCount="1">' + strings + b"</sst>",
        )
    return target


def test_a_shared_string_split_into_runs_counts_as_one_cell(tree, workbook, tmp_path):
    source = workbook({"Quần chúng": [person(name=MARK)]})
    run = b"x" * 20000
    fine = _with_shared_strings(source, tmp_path / "fine.xlsx", b"<si><r><t>" + run + b"</t></r></si>")
    [(number, row)] = read_workbook(fine)["people"].rows
    assert row["full_name"] == run.decode()  # the shared string is really read
    path = _with_shared_strings(
        source, tmp_path / "runs.xlsx", b"<si><r><t>" + run + b"</t></r><r><t>" + run + b"</t></r></si>"
    )
    with pytest.raises(Exception, match="32.767"):
        read_workbook(path, "runs.xlsx")


def test_entities_are_refused(tree, workbook, tmp_path):
    source = workbook({"Quần chúng": [person(name=MARK)]})

    def replace(data, stream):
        stream.write(b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data.replace(MARK.encode(), b"&a;"))

    path = _rewrite(source, tmp_path / "entities.xlsx", None, replace)
    with pytest.raises(Exception, match="giải nén quá lớn"):
        read_workbook(path, "entities.xlsx")


# --- 2. a full-height sheet ---


def _sheet_part(path):
    with zipfile.ZipFile(path) as archive:
        return next(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet"))


def test_rows_beyond_the_limit_are_refused_with_a_message(tree, users, workbook, settings):
    settings.IMPORT_MAX_ROWS = 30
    rows = [person(name=f"Nguyễn Văn Số {n}", **{"Số CCCD": f"0010950{n:05d}"}) for n in range(30)]
    result = import_workbook(workbook({"Quần chúng": rows}), actor=users.staff_a, file_name="dai.xlsx")
    [message] = _messages(result)
    assert "Quần chúng" in message and "quá 30 dòng" in message
    assert not Candidate.objects.exists()
    under = import_workbook(workbook({"Quần chúng": rows[:29]}), actor=users.staff_a, dry_run=True)
    assert under.ok, _messages(under)


def test_a_full_height_sheet_is_refused_quickly_and_a_false_dimension_is_ignored(tree, users, workbook, tmp_path):
    source = workbook({"Quần chúng": [person()]})
    part = _sheet_part(source)

    def claim(data, stream):  # the dimension claims every row; the rows are few
        start = data.index(b"<dimension ref=")
        end = data.index(b"/>", start)
        stream.write(data[:start] + b'<dimension ref="A1:AL1048576"' + data[end:])

    claimed = _rewrite(source, tmp_path / "claim.xlsx", part, claim)
    assert import_workbook(claimed, actor=users.staff_a, dry_run=True).ok

    def last_row(data, stream):  # a value in the sheet's very last row, 1,048,576
        cell = b'<row r="1048576"><c r="B1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        stream.write(data.replace(b"</sheetData>", cell + b"</sheetData>"))

    full = _rewrite(source, tmp_path / "full.xlsx", part, last_row)
    result = import_workbook(full, actor=users.staff_a, dry_run=True, file_name="full.xlsx")
    [message] = _messages(result)
    assert "quá 200.000 dòng" in message


def test_parsing_holds_no_transaction(tree, users, workbook, monkeypatch):
    outer = len(connection.atomic_blocks)  # the test's own
    depths = []
    real = parse.parse_rows

    def spy(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real(*args, **kwargs)

    monkeypatch.setattr(parse, "parse_rows", spy)
    result = import_workbook(
        workbook({"Chỉ tiêu": [("A1", 2025, 3)], "Quần chúng": [person()]}), actor=users.staff_a, dry_run=True
    )
    assert result.ok, _messages(result)
    assert depths == [outer, outer]


def test_the_template_states_the_row_limit():
    guide = load_workbook(io.BytesIO(build_template())).worksheets[0]
    text = " ".join(str(cell.value) for cell in guide["A"] if cell.value)
    assert "tối đa 200.000 dòng" in text
