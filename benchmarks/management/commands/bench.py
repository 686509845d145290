"""python manage.py bench [--repeat 5] [--small-url sqlite:////tmp/ptdv_bench_small.sqlite3]

Run on the large data (`seed_demo --scale large`); prints one table, each line measured against its
reference in the same run (see benchmarks/measure.py and BENCHMARKS.md).
"""

import json
import os
import platform

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings

from benchmarks import measure

DEFAULT_SMALL_URL = "sqlite:////tmp/ptdv_bench_small.sqlite3"
MB = 1024 * 1024


def _ms(seconds):
    return f"{seconds * 1000:,.0f} ms"


def _machine():
    cpu = (
        next(
            (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
            platform.processor(),
        )
        if os.path.exists("/proc/cpuinfo")
        else platform.processor()
    )
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GB RAM, load average {load}"


class Command(BaseCommand):
    help = "Đo hiệu năng trên dữ liệu lớn (seed_demo --scale large), so với mức sàn và với trang quản trị."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="Số lần đo mỗi mục (lấy trung vị).")
        parser.add_argument(
            "--small-url",
            default=DEFAULT_SMALL_URL,
            help="DATABASE_URL của dữ liệu demo nhỏ để so số truy vấn (tạo nếu trống).",
        )
        parser.add_argument("--skip-small", action="store_true", help="Không so số truy vấn với dữ liệu nhỏ.")
        # Used by the command itself in a child process.
        parser.add_argument("--query-counts", action="store_true", help="(nội bộ) In số truy vấn mỗi trang.")
        parser.add_argument("--workbook-memory", action="store_true", help="(nội bộ) Đo bộ nhớ khi xuất báo cáo quý.")

    def handle(self, *args, repeat, small_url, skip_small, query_counts, workbook_memory, **options):
        # Measured as in production: no query log, no debug pages.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            if query_counts:
                self.stdout.write(json.dumps(measure.query_counts()))
            elif workbook_memory:
                self.stdout.write(json.dumps(measure.workbook_memory_in_child()))
            else:
                self.bench(repeat, None if skip_small else small_url)

    def bench(self, repeat, small_url):
        write = self.stdout.write
        s = measure.subject()
        size = measure.data_size()
        write(
            f"Database: {connection.vendor} {connection.settings_dict['NAME']}; "
            + ", ".join(f"{name}: {value:,}" for name, value in size.items())
        )
        write(f"Machine: {_machine()}")
        write(f"Medians over {repeat} runs (after one warm-up run each).\n")

        rows = []
        page, floor, admitted = measure.bench_progress(s, repeat)
        rows.append(
            (
                "1",
                f"province progress report page ({admitted:,} admissions {s.year}) vs floor SQL",
                _ms(page),
                _ms(floor),
                f"{page / floor:.1f}×",
                "≤ 2×",
                page <= 2 * floor,
            )
        )
        ours, admin, matches = measure.bench_list(s, repeat)
        rows.append(
            (
                "2",
                f"candidate list, unit + search “{s.search}” ({matches:,} found) vs admin changelist",
                _ms(ours),
                _ms(admin),
                f"{ours / admin:.2f}×",
                "≤ 1×",
                ours <= admin,
            )
        )
        seconds, cpu, size_bytes = measure.bench_workbook(s, repeat)
        rows.append(
            (
                "3a",
                f"quarterly return workbook Q{s.quarter}/{s.year} ({size_bytes / 1024:,.0f} KB), wall; CPU",
                _ms(seconds),
                f"CPU {_ms(cpu)}",
                "",
                "≤ 1 s",
                seconds <= 1,
            )
        )
        memory = measure.workbook_memory()
        rss = memory["rss_peak_kb"] * 1024
        rows.append(
            (
                "3b",
                "  peak memory of a process building it (ru_maxrss; Python allocations)",
                f"{rss / MB:,.0f} MB",
                f"{memory['python_peak_bytes'] / MB:,.0f} MB",
                "",
                "≤ 300 MB",
                rss <= 300 * MB,
            )
        )
        large = measure.query_counts()
        small = measure.query_counts_elsewhere(small_url) if small_url else None
        differ = [name for name in large if small is not None and small.get(name) != large[name]]
        rows.append(
            (
                "4",
                "queries per page, large vs small demo data (see below)",
                f"{sum(large.values())} in all",
                "" if small is None else f"{sum(small.values())} in all",
                "",
                "equal",
                None if small is None else not differ,
            )
        )

        headers = ("#", "measure", "this app", "reference", "ratio", "target", "met")
        table = [headers] + [(*row[:-1], "—" if row[-1] is None else ("yes" if row[-1] else "NO")) for row in rows]
        widths = [max(len(str(row[i])) for row in table) for i in range(len(headers))]
        for index, row in enumerate(table):
            write(" | ".join(str(value).ljust(width) for value, width in zip(row, widths)))
            if index == 0:
                write("-+-".join("-" * width for width in widths))

        write("\nQueries per page (province staff):")
        width = max(len(name) for name in large)
        write(f"{'page'.ljust(width)} | large | small")
        for name, count in large.items():
            write(f"{name.ljust(width)} | {count:>5} | {'' if small is None else small.get(name, '?'):>5}")
        if differ:
            write(self.style.ERROR("Differ: " + ", ".join(differ)))
