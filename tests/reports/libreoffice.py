"""Opening a workbook with LibreOffice, as the people who receive the returns do."""

import csv
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

# Filter options of LibreOffice's CSV export: comma, double quote, UTF-8, from row 1, no column
# formats, en-US, quote text, detect numbers, *save cells as shown* (so the Vietnamese number formats
# are checked too), no formulas, no BOM, and -1 = every sheet into its own file (LibreOffice 7.2+).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,true,true,true,false,false,-1"


def soffice():
    """The soffice binary; skipped locally when missing, a failure in CI (.ci/run installs it)."""
    binary = shutil.which("soffice")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    return binary


def workbook_as_csv(path):
    """{sheet name: [row, ...]} as LibreOffice reads and shows the workbook at `path`."""
    binary = soffice()
    with tempfile.TemporaryDirectory(prefix="ptdv-lo-") as work:
        work = Path(work)
        source = work / "book.xlsx"
        shutil.copy(path, source)
        # A profile of its own: no clash with another LibreOffice running on the machine.
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{work / 'profile'}",
                "--headless",
                "--norestore",
                "--convert-to",
                CSV_FILTER,
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        sheets = {}
        for csv_path in sorted((work / "out").glob("book-*.csv")):
            with open(csv_path, encoding="utf-8", newline="") as handle:
                sheets[csv_path.stem.removeprefix("book-")] = list(csv.reader(handle))
        return sheets
