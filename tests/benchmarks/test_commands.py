"""The benchmark commands belong to the benchmarks app, out of the apps that run in production, and run."""

import ast
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands

from tests.factories import CandidateFactory
from units.models import User

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_APPS = ("units", "recruitment", "reports")


@pytest.mark.parametrize("name", ["bench", "bench_import"])
def test_the_benchmark_commands_come_from_the_benchmarks_app(name):
    assert get_commands()[name] == "benchmarks"


def test_no_production_app_imports_the_benchmarks():
    found = []
    for app in PRODUCTION_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                found += [f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] == "benchmarks"]
    assert found == []


def test_bench_import_imports_its_workbook_three_times(db, tmp_path):
    out = io.StringIO()
    call_command("bench_import", people=20, keep=str(tmp_path / "bench.xlsx"), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("database: ") and "20 people, 800 cells" in lines[0]
    assert [line.split(":")[0] for line in lines[1:]] == [
        "first import",
        "re-import, same file (all matched)",
        "re-import, every row changed (4 in 5 matched by citizen ID)",
    ]
    assert "'people_created': 20" in lines[1] and "'people_unchanged': 20" in lines[2]


def test_bench_counts_the_queries_of_each_page(tree, users):
    User.objects.create_superuser("root", password="pw-for-tests-1")
    CandidateFactory(cell=tree.cell_a1, full_name="Nguyễn Văn Hải")
    out = io.StringIO()
    call_command("bench", query_counts=True, stdout=out)
    counts = json.loads(out.getvalue().splitlines()[-1])
    assert {"home", "list (unit + search)", "candidate", "report: progress", "quarterly return (xlsx)"} <= set(counts)
    assert all(count > 0 for count in counts.values())
