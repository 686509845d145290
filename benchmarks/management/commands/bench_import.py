"""Benchmark of the Excel import: python manage.py bench_import [--people 20000] [--keep FILE]

Generates a province workbook (units, targets, people at every stage), imports it, then imports it
again (every row matched, nothing duplicated), and prints the timings. Run it on a scratch database:
see BENCHMARKS.md for the one command that does both SQLite and PostgreSQL.
"""

import datetime
import os
import random
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from recruitment.importing import import_workbook
from recruitment.importing.workbook import PEOPLE, TARGETS, UNITS
from recruitment.models import Candidate

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Quàng", "Tòng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thu", "Ngọc", "Quang"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phương", "Sơn", "Thảo", "Vy"]
ETHNIC = ["Kinh", "Thái", "Mông", "Dao", "Khơ Mú", "Hà Nhì", "Giáy", "La Hủ"]


def build_workbook(path, people, committees=10, orgs_per_committee=20, cells_per_org=4, seed=5):
    """A province's workbook in the template's layout: member counts on every unit row (the province
    and its committees report their own totals), a whole file for each person as far as they got, and
    the ways people type (one date in ten as text, "Khơ Mú" for "Khơ-mú", "x" for "Có")."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    units = book.create_sheet(UNITS.title)
    units.append([c.header for c in UNITS.columns])
    targets = book.create_sheet(TARGETS.title)
    targets.append([c.header for c in TARGETS.columns])
    cells = []
    # children before parents on purpose: the import must order them itself
    for c in range(committees):
        for o in range(orgs_per_committee):
            for k in range(cells_per_org):
                code = f"BM-{c:02d}-{o:02d}-{k}"
                cells.append(code)
                units.append(
                    [code, f"Chi bộ {k + 1} xã {c}-{o}", "Chi bộ", f"BM-{c:02d}-{o:02d}", "", rng.randint(10, 60)]
                )
            units.append(
                [
                    f"BM-{c:02d}-{o:02d}",
                    f"Đảng bộ xã {c}-{o}",
                    "Đảng bộ cơ sở",
                    f"BM-{c:02d}",
                    "Xã, phường, thị trấn",
                    rng.randint(150, 300),
                ]
            )
            targets.append([f"BM-{c:02d}-{o:02d}", 2025, rng.randint(2, 10)])
        units.append([f"BM-{c:02d}", f"Đảng bộ huyện {c}", "Đảng bộ trực thuộc", "BM", "", rng.randint(3000, 6000)])
        targets.append([f"BM-{c:02d}", 2025, rng.randint(50, 150)])
        targets.append([f"BM-{c:02d}", "2020-2025", rng.randint(300, 600)])
    units.append(["BM", "Đảng bộ tỉnh Mẫu", "Đảng bộ tỉnh", "", "", 52439])

    sheet = book.create_sheet(PEOPLE.title)
    sheet.append([c.header for c in PEOPLE.columns])
    today = datetime.date.today()

    def typed(day):  # one date in ten typed as text, as people do
        return day.strftime("%d/%m/%Y") if day and rng.random() < 0.1 else day

    for n in range(people):
        dob = datetime.date(1970 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))
        listed = dob + datetime.timedelta(days=365 * 19 + rng.randint(0, 2000))
        listed = min(listed, today - datetime.timedelta(days=1200))
        stage = rng.random()
        row = {
            "cell": rng.choice(cells),
            "full_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {n}",
            "date_of_birth": typed(dob),
            "gender": rng.choice(["Nam", "Nữ"]),
            "ethnicity": rng.choice(ETHNIC),
            "religion": rng.choice(["", "Không", "Phật giáo", "Công giáo"]),
            "occupation": rng.choice(["Nông dân", "Công nhân", "Viên chức", "Sinh viên"]),
            "general_education": "12/12",
            "professional_education": ("", "Đại học", "Trung cấp")[n % 3],
            "youth_union_member": rng.choice(["Có", "", "x"]),
            "citizen_id": f"{n:012d}" if n % 5 else None,  # one in five without a citizen ID
            "listed_on": typed(listed),
            "mentor_name": f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}",
        }
        if stage > 0.5:
            course = listed + datetime.timedelta(days=60)
            row.update(course_certificate_no=f"{n}-GCN/TTCT", course_date=typed(course))
        if stage > 0.7:
            application = course + datetime.timedelta(days=30)
            resolution = course + datetime.timedelta(days=120)
            decision = resolution + datetime.timedelta(days=30)
            row.update(
                application_date=typed(application),
                introducer_1=f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}",
                introducer_2=f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN)}",
                resolution_date=typed(resolution),
                decision_date=typed(decision),
                decision_no=f"{n}-QĐ/HU",
                decision_issuer="Ban Thường vụ Huyện ủy",
            )
        if stage > 0.8:
            ceremony = decision + datetime.timedelta(days=20)
            row.update(
                ceremony_date=typed(ceremony),
                new_member_course_date=typed(ceremony + datetime.timedelta(days=90)),
                recognition_no=f"{n}-QĐ/HU-CT",
                recognition_date=typed(ceremony + datetime.timedelta(days=370)),
            )
        sheet.append([row.get(column.key) for column in PEOPLE.columns])
    book.save(path)
    return len(cells)


class Command(BaseCommand):
    help = "Đo thời gian nhập một tệp Excel lớn (mặc định 20.000 người)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=20000)
        parser.add_argument("--keep", help="Lưu tệp đã sinh vào đây.")

    def handle(self, *args, people, keep, **options):
        if Candidate.objects.exists():
            raise CommandError("Hãy chạy trên cơ sở dữ liệu trống (xem BENCHMARKS.md).")
        path = Path(keep) if keep else Path(tempfile.mkdtemp()) / "bench.xlsx"
        started = time.perf_counter()
        cells = build_workbook(path, people)
        self.stdout.write(
            f"database: {connection.vendor}; workbook: {people} people, {cells} cells, "
            f"{path.stat().st_size / 1048576:.1f} MB, generated in {time.perf_counter() - started:.1f} s"
        )
        changed = path.with_name("bench-changed.xlsx")
        build_workbook(changed, people, seed=6)  # other cells, names, dates: matched by citizen ID, updated
        runs = (
            ("first import", path),
            ("re-import, same file (all matched)", path),
            ("re-import, every row changed (4 in 5 matched by citizen ID)", changed),
        )
        for label, workbook in runs:
            started, cpu = time.perf_counter(), time.process_time()
            result = import_workbook(workbook)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            if result.errors:
                for error in result.errors[:20]:
                    self.stderr.write(str(error))
                raise CommandError(f"{len(result.errors)} errors")
            stages = ", ".join(f"{name} {seconds:.1f}" for name, seconds in result.timings.items())
            load = os.getloadavg()[0]
            self.stdout.write(
                f"{label}: {elapsed:.1f} s (this process's CPU {cpu:.1f} s; load average {load:.1f})"
                f"  stages: {stages}  {result.counts}  corrections read: {result.fixes}"
            )
