"""A fictional province of realistic shape for demos, tests and benchmarks (deterministic per seed).

Shape after the Lai Châu and Long An articles, scaled down: ~10 subordinate committees, ~150
grassroots organisations of mixed types, ~600 cells, two partial committees, five years of
candidates at every stage. Rows are bulk-inserted; every generated person is checked by the same
pipeline rules as anything typed in (pipeline.check), so the demo can never hold data the app refuses.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal

from units import paths, reorganisation
from units.models import GrassrootsType, Headcount, PoolTarget, Role, Target, Term, Unit, UnitKind, User
from units.periods import quarter_bounds, quarter_of
from units.placements import place_missing

from . import pipeline
from .calendar import add_months
from .models import (
    Candidate,
    Course,
    CourseParticipant,
    CourseResult,
    Ethnicity,
    Gender,
    IntroducedBy,
    Occupation,
    PoolDecision,
    PoolReview,
    PoolReviewEntry,
    ProfessionalEducation,
    Religion,
)
from .pipeline import ExitReason, IntroducingOrganisation

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Xuân", "Công"]
MIDDLE_F = ["Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Anh",
    "Hiếu",
    "Đạt",
    "Trung",
    "Kiên",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngân",
    "Nhung",
    "Phương",
    "Thảo",
    "Trang",
    "Vân",
    "Yến",
    "Ánh",
    "Ngọc",
    "Thu",
]
MINORITY_FAMILY = ["Lò", "Tòng", "Giàng", "Vàng", "Sùng", "Lù", "Chảo", "Tẩn", "Lường", "Cầm", "Quàng", "Pờ"]
MINORITY_MIDDLE_M = ["Văn", "A", "Seo", "Văn"]
MINORITY_MIDDLE_F = ["Thị", "Thị", "Mý", "Thị"]
MOUNTAIN_GROUPS = ["Thái", "Mông", "Dao", "Hà Nhì", "Khơ-mú", "La Hủ", "Si La", "Mảng", "Cống", "Giáy", "Lự", "Tày"]
PLACE = ["Nà", "Pá", "Huổi", "Bản", "Phiêng", "Mường", "Nậm", "Tà", "Sin", "Lả", "Khun", "Pắc"]
PLACE2 = ["Khương", "Củng", "Lếch", "Hồ", "Tong", "Cang", "Sảo", "Là", "Chải", "Hán", "Mo", "Bó", "Ngà", "Lay"]


REORGANISATION_2025 = datetime.date(2025, 7, 1)
DISTRICT_PREFIXES = ("Đảng bộ huyện", "Đảng bộ thành phố")  # the committees the 2025 reorganisation ends


@dataclass(frozen=True)
class Shape:
    committees: int = 10
    grassroots_per_committee: int = 15
    cells_per_grassroots_committee: int = 7
    members_per_cell: tuple = (14, 60)
    years: int = 5
    admission_rate: float = 1.0  # admissions against target, on average
    in_pipeline_per_cell: tuple = (0, 1, 1, 2, 2, 3)  # people listed but not admitted, per cell
    # The district committees end on 1 July 2025, their communes consolidated under the province.
    reorganise_2025: bool = False


SHAPES = {
    # A province of Lai Châu's order of size, scaled down for a quick demo.
    "demo": Shape(reorganise_2025=True),
    # Hà Nội after 2025: ~140 committees directly under the city, 2,500 grassroots organisations,
    # 15,000 cells, 500,000 members, ~150,000 people over five years of whom ~65,000 admitted.
    "large": Shape(
        committees=140,
        grassroots_per_committee=18,
        cells_per_grassroots_committee=10,
        members_per_cell=(14, 40),
        admission_rate=0.8,
        in_pipeline_per_cell=(2, 3, 4, 5, 6, 7, 8, 9),
    ),
}


@dataclass(frozen=True)
class DemoUsers:
    password: str


def _path(parent_path, index):
    return paths.child_path(parent_path, index)


class DemoBuilder:
    def __init__(self, *, seed=2017, as_of=None, shape=Shape()):
        self.rng = random.Random(seed)
        self.as_of = as_of or datetime.date.today()
        self.shape = shape
        self.units = []
        self.cells = []  # (unit, committee_index, grassroots_type, mountain)
        self.citizen_ids = set()

    # --- the tree -------------------------------------------------------------------------------
    def build_tree(self):
        shape = self.shape
        province = Unit(code="SL", name="Đảng bộ tỉnh Sơn Lâm", kind=UnitKind.PROVINCE, path=_path("", 1), depth=1)
        self.units.append(province)
        self.province = province
        self.committees = []
        committee_names = [
            ("Đảng bộ huyện Mường Pồn", True),
            ("Đảng bộ huyện Nậm Lay", True),
            ("Đảng bộ huyện Phong Thổ Sơn", True),
            ("Đảng bộ huyện Tam Đường", False),
            ("Đảng bộ thành phố Sơn Lâm", False),
            ("Đảng bộ huyện Tân Uyên", True),
            ("Đảng bộ huyện Than Uyên", False),
            ("Đảng bộ Khối cơ quan và doanh nghiệp tỉnh", False),
            ("Đảng bộ Công an tỉnh", False),
            ("Đảng bộ Quân sự tỉnh", False),
        ]
        for c in range(shape.committees):
            if c < len(committee_names):
                name, mountain = committee_names[c]
            else:  # the 2025 shape: communes and wards directly under the province
                name, mountain = f"Đảng bộ {'xã' if c % 3 else 'phường'} {self._place()} {c + 1}", c % 4 == 0
            committee = Unit(
                code=f"SL{c + 1:02d}", name=name, kind=UnitKind.COMMITTEE, path=_path(province.path, c + 1), depth=2
            )
            self.units.append(committee)
            self.committees.append((committee, mountain))
            for g in range(shape.grassroots_per_committee):
                self._grassroots(committee, c, g, mountain)
        for unit in self.units:
            unit.numchild = 0
        by_path = {unit.path: unit for unit in self.units}
        for unit in self.units:
            if unit.depth > 1:
                by_path[paths.parent_path(unit.path)].numchild += 1

    def _grassroots_type(self, committee_index, g):
        if committee_index == 7:  # the province agencies' and enterprises' committee
            return [
                GrassrootsType.ADMINISTRATION,
                GrassrootsType.PUBLIC_SERVICE,
                GrassrootsType.STATE_ENTERPRISE,
                GrassrootsType.PRIVATE_ENTERPRISE,
            ][g % 4]
        if committee_index in (8, 9):  # police and military
            return GrassrootsType.ARMED_FORCES
        if g < 9:
            return GrassrootsType.COMMUNE
        return [
            GrassrootsType.PUBLIC_SERVICE,
            GrassrootsType.PRIVATE_ENTERPRISE,
            GrassrootsType.ADMINISTRATION,
            GrassrootsType.STATE_ENTERPRISE,
            GrassrootsType.PUBLIC_SERVICE,
            GrassrootsType.OTHER,
        ][(g - 9) % 6]

    def _place(self):
        return f"{self.rng.choice(PLACE)} {self.rng.choice(PLACE2)}"

    def _grassroots(self, committee, c, g, mountain):
        rng = self.rng
        gtype = self._grassroots_type(c, g)
        # Communes and big agencies are đảng bộ cơ sở with cells; small units are chi bộ cơ sở.
        is_committee = gtype in (GrassrootsType.COMMUNE, GrassrootsType.ADMINISTRATION) or (
            gtype == GrassrootsType.ARMED_FORCES and g % 2 == 0
        )
        code = f"{committee.code}-{g + 1:02d}"
        names = {
            GrassrootsType.COMMUNE: f"Đảng bộ xã {self._place()}",
            GrassrootsType.ADMINISTRATION: f"Đảng bộ cơ quan {rng.choice(['Ủy ban nhân dân', 'Sở Tài chính', 'Sở Nội vụ', 'Sở Y tế', 'Sở Giáo dục'])} {g + 1}",
            GrassrootsType.PUBLIC_SERVICE: f"Chi bộ Trường THPT {self._place()}",
            GrassrootsType.STATE_ENTERPRISE: f"Chi bộ Công ty Điện lực {self._place()}",
            GrassrootsType.PRIVATE_ENTERPRISE: f"Chi bộ Công ty TNHH {self._place()}",
            GrassrootsType.ARMED_FORCES: f"{'Đảng bộ' if is_committee else 'Chi bộ'} {'Công an' if c == 8 else 'Đồn'} {self._place()}",
            GrassrootsType.OTHER: f"Chi bộ Hợp tác xã {self._place()}",
        }
        kind = UnitKind.GRASSROOTS_COMMITTEE if is_committee else UnitKind.GRASSROOTS_CELL
        org = Unit(
            code=code, name=names[gtype], kind=kind, grassroots_type=gtype, path=_path(committee.path, g + 1), depth=3
        )
        self.units.append(org)
        if not is_committee:
            self.cells.append((org, c, gtype, mountain))
            return
        cells_parent, cell_depth, first = org, 4, 1
        # Two partial committees in the province's biggest agency, as in Lai Châu.
        if c == 7 and g == 0:
            for p in range(2):
                partial = Unit(
                    code=f"{code}-BP{p + 1}",
                    name=f"Đảng bộ bộ phận khối {p + 1}",
                    kind=UnitKind.PARTIAL_COMMITTEE,
                    grassroots_type=gtype,
                    path=_path(org.path, p + 1),
                    depth=4,
                )
                self.units.append(partial)
                for k in range(3):
                    self._cell(
                        partial, f"{partial.code}-{k + 1:02d}", f"Chi bộ phòng {k + 1}", k + 1, 5, c, gtype, mountain
                    )
            first = 3
        for k in range(self.shape.cells_per_grassroots_committee - (1 if g % 3 == 0 else 0)):
            label = (
                f"Chi bộ {'bản' if mountain else 'thôn'} {self._place()}"
                if gtype == GrassrootsType.COMMUNE
                else f"Chi bộ {['phòng', 'đội', 'tổ'][k % 3]} {k + 1} – {org.name.split(' ', 2)[-1]}"
            )
            self._cell(cells_parent, f"{code}-{k + 1:02d}", label, first + k, cell_depth, c, gtype, mountain)

    def _cell(self, parent, code, name, index, depth, c, gtype, mountain):
        cell = Unit(
            code=code, name=name, kind=UnitKind.CELL, grassroots_type=gtype, path=_path(parent.path, index), depth=depth
        )
        self.units.append(cell)
        self.cells.append((cell, c, gtype, mountain))

    # --- people ---------------------------------------------------------------------------------
    def _name(self, gender, minority):
        rng = self.rng
        if minority:
            family = rng.choice(MINORITY_FAMILY)
            middle = rng.choice(MINORITY_MIDDLE_F if gender == Gender.FEMALE else MINORITY_MIDDLE_M)
        else:
            family = rng.choice(FAMILY)
            middle = rng.choice(MIDDLE_F if gender == Gender.FEMALE else MIDDLE_M)
        given = rng.choice(GIVEN_F if gender == Gender.FEMALE else GIVEN_M)
        return f"{family} {middle} {given}"

    def _citizen_id(self):
        while True:
            value = "0" + "".join(self.rng.choice("0123456789") for _ in range(11))
            if value not in self.citizen_ids:
                self.citizen_ids.add(value)
                return value

    def _occupation(self, gtype, age_years):
        rng = self.rng
        if gtype == GrassrootsType.ARMED_FORCES:
            return Occupation.ARMED_FORCES
        if gtype in (GrassrootsType.STATE_ENTERPRISE, GrassrootsType.PRIVATE_ENTERPRISE):
            return rng.choice([Occupation.WORKER] * 5 + [Occupation.INTELLECTUAL, Occupation.BUSINESS_OWNER])
        if gtype == GrassrootsType.ADMINISTRATION:
            return rng.choice([Occupation.CIVIL_SERVANT] * 4 + [Occupation.INTELLECTUAL])
        if gtype == GrassrootsType.PUBLIC_SERVICE:
            if age_years < 19:
                return Occupation.PUPIL
            return rng.choice([Occupation.PUBLIC_EMPLOYEE] * 3 + [Occupation.INTELLECTUAL, Occupation.STUDENT])
        return rng.choice(
            [Occupation.FARMER] * 6
            + [
                Occupation.WORKER,
                Occupation.OTHER,
                Occupation.INTELLECTUAL,
                Occupation.STUDENT,
                Occupation.BUSINESS_OWNER,
            ]
        )

    def _person(self, cell, c, gtype, mountain, resolution_day):
        """A person whose dob suits a cell resolution on `resolution_day` (age 18 to 60)."""
        rng = self.rng
        gender = Gender.FEMALE if rng.random() < 0.4 else Gender.MALE
        minority = rng.random() < (0.62 if mountain else 0.08)
        age_years = rng.choice([18, 19] * 2 + list(range(20, 31)) * 3 + list(range(31, 46)) + [48, 52, 57])
        if gtype == GrassrootsType.PUBLIC_SERVICE and rng.random() < 0.25:
            age_years = 18
        dob = resolution_day - datetime.timedelta(days=age_years * 365 + rng.randint(40, 300))
        ethnicity = self.ethnicity[rng.choice(MOUNTAIN_GROUPS) if minority else "Kinh"]
        religion = None
        if rng.random() < 0.05:
            religion = self.religion[rng.choice(["Phật giáo", "Công giáo", "Tin lành"])]
        youth = age_years <= 30 and rng.random() < 0.85
        occupation = self._occupation(gtype, age_years)
        general, professional = (
            ("12/12", ProfessionalEducation.UNIVERSITY)
            if occupation in (Occupation.INTELLECTUAL, Occupation.CIVIL_SERVANT, Occupation.PUBLIC_EMPLOYEE)
            else rng.choice([("12/12", "")] * 3 + [("9/12", ""), ("12/12", ProfessionalEducation.INTERMEDIATE)])
        )
        return Candidate(
            full_name=self._name(gender, minority),
            date_of_birth=dob,
            gender=gender,
            ethnicity=ethnicity,
            religion=religion,
            occupation=occupation,
            general_education=general,
            professional_education=professional,
            youth_union_member=youth,
            citizen_id=self._citizen_id() if rng.random() < 0.93 else None,
            cell=cell,
        )

    def _fill_steps(self, person, resolution, *, until, historic=False):
        """Dates of the steps around the cell resolution, stopping at `until` (a pipeline stage)."""
        rng = self.rng
        person.application_date = resolution - datetime.timedelta(days=rng.randint(12, 60))
        person.course_date = person.application_date - datetime.timedelta(days=rng.randint(7, 150))
        person.listed_on = person.course_date - datetime.timedelta(days=rng.randint(30, 330))
        person.course_certificate_no = f"{rng.randint(1, 999)}-GCN/TTCT"
        person.introduced_by = (
            IntroducedBy.YOUTH_UNION
            if person.youth_union_member
            else rng.choice(
                [IntroducedBy.CELL, IntroducedBy.TRADE_UNION, IntroducedBy.WOMEN_UNION, IntroducedBy.FARMERS_UNION]
            )
        )
        person.mentor_name = self._name(rng.choice([Gender.MALE, Gender.FEMALE]), False)
        if person.youth_union_member and rng.random() < 0.5:
            person.introducing_organisation = IntroducingOrganisation.YOUTH_UNION
            person.introducer_1 = self._name(Gender.MALE, False)
        else:
            person.introducer_1 = self._name(Gender.MALE, False)
            person.introducer_2 = self._name(Gender.FEMALE, False)
            while person.introducer_2 == person.introducer_1:  # two different members
                person.introducer_2 = self._name(Gender.FEMALE, False)
        if historic:  # an admission from years ago whose early papers were never entered
            person.listed_on = person.course_date = None
            person.course_certificate_no = ""
        person.resolution_date = resolution
        stages = [pipeline.Stage.LISTED, pipeline.Stage.TRAINED, pipeline.Stage.FILED, pipeline.Stage.RESOLVED]
        if until in stages:
            keep = stages.index(until)
            if keep < 3:
                person.resolution_date = None
            if keep < 2:
                person.application_date = None
                person.introducer_1 = person.introducer_2 = person.introducing_organisation = ""
            if keep < 1:
                person.course_date, person.course_certificate_no = None, ""
        return person

    def _admit(self, person, decision, committee):
        rng, today = self.rng, self.as_of
        person.decision_date = decision
        person.decision_no = f"{rng.randint(100, 2999)}-QĐ/{'HU' if 'huyện' in committee.name else 'ĐU'}"
        person.decision_issuer = f"Ban Thường vụ {committee.name.replace('Đảng bộ ', '').capitalize()}"
        ceremony = decision + datetime.timedelta(days=rng.randint(5, 38))
        if ceremony > today:
            return person
        person.ceremony_date = ceremony
        course = ceremony + datetime.timedelta(days=rng.randint(30, 200))
        if course <= today:
            person.new_member_course_date = course
        end = add_months(ceremony, 12)
        if person.new_member_course_date and rng.random() < 0.012:
            struck = person.new_member_course_date + datetime.timedelta(days=rng.randint(30, 90))
            if struck <= today and struck < end:
                person.exit_date, person.exit_reason = struck, ExitReason.STRUCK_OFF
                person.exit_note = "Vi phạm tư cách đảng viên dự bị"
                return person
        recognition = end + datetime.timedelta(days=rng.randint(0, 45))
        # A few recent probations are still waiting for the cell (overdue items for the to-do);
        # older ones were recognised long ago, as they would be.
        waiting = (today - end).days < 75 and rng.random() < 0.15
        if person.new_member_course_date and recognition <= today and not waiting:
            person.recognition_date = recognition
            person.recognition_no = f"{rng.randint(100, 2999)}-QĐ/CN"
        return person

    def _day_in(self, year, start=None, end=None):
        start = start or datetime.date(year, 1, 1)
        end = min(end or datetime.date(year, 12, 31), self.as_of)
        return start + datetime.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def build_people(self):
        rng, today, shape = self.rng, self.as_of, self.shape
        first_year = today.year - shape.years + 1
        # How each committee does against plan: a few far below 50 %, a few above 100 %.
        rates = [
            rng.choice([0.35, 0.45, 0.8, 0.9, 1.0, 1.05, 1.2, 1.4]) * shape.admission_rate for _ in self.committees
        ]
        self.people, self.targets, self.headcounts = [], [], []
        yearly = {}  # (unit path, year) -> target
        for cell, c, gtype, mountain in self.cells:
            committee = self.committees[c][0]
            members = rng.randint(*shape.members_per_cell)
            for year in range(first_year, today.year + 1):
                members += rng.randint(-1, 3)
                self.headcounts.append(Headcount(unit=cell, year=year, members=members))
                target = max(1, round(members * 0.035 + rng.uniform(-0.4, 0.6)))
                self.targets.append(Target(unit=cell, year=year, admissions=target))
                for depth in range(cell.depth - 1, 0, -1):
                    key = (cell.path[: depth * paths.STEPLEN], year)
                    yearly[key] = yearly.get(key, 0) + target
                elapsed = 1.0 if year < today.year else today.timetuple().tm_yday / 365
                expected = target * rates[c] * elapsed * rng.uniform(0.6, 1.4)
                admitted = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                for _ in range(admitted):
                    decision = self._day_in(year, start=datetime.date(year, 1, 15) if year == first_year else None)
                    resolution = decision - datetime.timedelta(days=rng.randint(10, 55))
                    person = self._person(cell, c, gtype, mountain, resolution)
                    historic = year == first_year and rng.random() < 0.12
                    self._fill_steps(person, resolution, until=None, historic=historic)
                    self.people.append(self._admit(person, decision, committee))
            # The pipeline in progress: people listed in the last two years, not yet admitted.
            for _ in range(rng.choice(shape.in_pipeline_per_cell)):
                until = rng.choice(
                    [
                        pipeline.Stage.LISTED,
                        pipeline.Stage.TRAINED,
                        pipeline.Stage.TRAINED,
                        pipeline.Stage.FILED,
                        pipeline.Stage.RESOLVED,
                    ]
                )
                resolution = today - datetime.timedelta(days=rng.randint(2, 90))
                person = self._person(cell, c, gtype, mountain, resolution)
                self._fill_steps(person, resolution, until=until)
                if until == pipeline.Stage.LISTED:
                    person.listed_on = today - datetime.timedelta(days=rng.randint(1, 200))
                if rng.random() < 0.08:
                    latest = max(
                        d
                        for d in (person.listed_on, person.course_date, person.application_date, person.resolution_date)
                        if d
                    )
                    person.exit_date = latest + datetime.timedelta(days=rng.randint(0, (today - latest).days))
                    person.exit_reason = rng.choice(
                        [ExitReason.WITHDREW, ExitReason.MOVED_AWAY, ExitReason.NOT_QUALIFIED]
                    )
                self.people.append(person)
        # Higher units: their target is what their children add up to (rounded down a little at the top).
        for (path, year), total in yearly.items():
            unit = self.by_path[path]
            self.targets.append(Target(unit=unit, year=year, admissions=total if unit.depth > 1 else int(total * 0.97)))
        self.terms = [
            Term(
                start_year=2020,
                end_year=2025,
                opening_congress="Đại hội đại biểu Đảng bộ tỉnh lần thứ XIV",
                closing_congress="Đại hội đại biểu Đảng bộ tỉnh lần thứ XV",
            ),
            Term(start_year=2025, end_year=2030, opening_congress="Đại hội đại biểu Đảng bộ tỉnh lần thứ XV"),
        ]
        for term in self.terms:
            term.start_date, term.end_date = Term.default_dates(term.start_year, term.end_year)
        self.term_targets = {}
        for (path, year), total in yearly.items():
            for term in self.terms:
                if self.by_path[path].depth <= 3 and term.start_year <= year < term.end_year:
                    self.term_targets[(path, term.start_year)] = (
                        self.term_targets.get((path, term.start_year), 0) + total
                    )

    def check_people(self):
        """The demo holds nothing the app would refuse."""
        for person in self.people:
            errors = pipeline.check(person, today=self.as_of)
            if errors:
                raise AssertionError(f"demo generator made an invalid record {person.full_name}: {errors}")

    @transaction.atomic
    def write(self, *, password):
        self.ethnicity = {e.name: e for e in Ethnicity.objects.all()}
        self.religion = {r.name: r for r in Religion.objects.all()}
        self.build_tree()
        Unit.objects.bulk_create(self.units, batch_size=2000)
        place_missing()  # their places in the dated tree (a bulk insert sends no signal)
        self.by_path = {unit.path: unit for unit in Unit.objects.all()}
        for index, (cell, *rest) in enumerate(self.cells):
            self.cells[index] = (self.by_path[cell.path], *rest)
        self.province = self.by_path[self.province.path]
        self.committees = [(self.by_path[c.path], m) for c, m in self.committees]
        self.build_people()
        self.check_people()
        for person in self.people:
            person.refresh_derived()
        Candidate.objects.bulk_create(self.people, batch_size=2000)
        Headcount.objects.bulk_create(self.headcounts, batch_size=5000)
        Target.objects.bulk_create(self.targets, batch_size=5000)
        for term in self.terms:
            term.save()
        Target.objects.bulk_create(
            [
                Target(
                    unit=self.by_path[path], term=next(t for t in self.terms if t.start_year == start), admissions=total
                )
                for (path, start), total in self.term_targets.items()
            ],
            batch_size=5000,
        )
        self.write_courses_and_reviews()
        self.new_communes = []
        if self.shape.reorganise_2025 and self.as_of >= REORGANISATION_2025:
            self.reorganise_2025()
        return self._users(password)

    def reorganise_2025(self):
        """1 July 2025: the district level ends. Each district's communes are consolidated three into
        one, placed directly under the province with the district's other organisations; then the
        district committee is dissolved. Reports of periods before the date still count by the old
        tree (units.reorganisation)."""
        province = Unit.objects.get(pk=self.province.pk)
        decision = {"effective_date": REORGANISATION_2025, "decided_by": province}
        for c, (committee, _mountain) in enumerate(self.committees):
            if not committee.name.startswith(DISTRICT_PREFIXES):
                continue
            orgs = list(Unit.objects.children_of(committee))
            communes = [o for o in orgs if o.kind == UnitKind.GRASSROOTS_COMMITTEE and o.grassroots_type == "commune"]
            others = [o for o in orgs if o not in communes]
            for index in range(0, len(communes), 3):
                group = communes[index : index + 3]
                if len(group) == 1:
                    reorganisation.move(
                        unit=group[0], new_parent=province, decision_no=f"{c + 1:02d}-QĐ/TU", **decision
                    )
                    continue
                plan = reorganisation.consolidate(
                    units=group,
                    code=f"{committee.code}-X{index // 3 + 1}",
                    name=f"Đảng bộ xã {self._place()}",
                    kind=UnitKind.GRASSROOTS_COMMITTEE,
                    grassroots_type="commune",
                    parent=province,
                    decision_no=f"{c + 1:02d}{index // 3 + 1}-QĐ/TU",
                    **decision,
                )
                self.new_communes.append(plan.ends[0][1])
            for org in others:
                reorganisation.move(unit=org, new_parent=province, decision_no=f"{c + 1:02d}-QĐ/TU", **decision)
            reorganisation.dissolve(
                unit=Unit.objects.get(pk=committee.pk), decision_no=f"{c + 1:02d}-QĐ/TU", **decision
            )
        self._carry_later_targets(REORGANISATION_2025.year)

    def _carry_later_targets(self, year):
        """The demo's targets were planned before the reorganisation for every year: those of the years
        after it belong to the successors (the consolidated communes), as the province would hand them
        down again; a dissolved committee's go, its units' own targets stay."""
        later = Target.objects.filter(year__gt=year, unit__ended_on__isnull=False)
        carried = {}
        for successor_id, target_year, admissions in later.values_list("unit__successor_id", "year", "admissions"):
            if successor_id is not None:
                carried[(successor_id, target_year)] = carried.get((successor_id, target_year), 0) + admissions
        later.delete()
        for (successor_id, target_year), admissions in carried.items():
            target, created = Target.objects.get_or_create(
                unit_id=successor_id, year=target_year, defaults={"admissions": admissions}
            )
            if not created:
                Target.objects.filter(pk=target.pk).update(admissions=target.admissions + admissions)

    # --- awareness courses and pool reviews -------------------------------------------------------
    def _organiser(self, committee, day):
        """Who opened a course ending on `day`: the committee, or, once the district level has ended
        (1 July 2025), the province's political centre for the communes it took over."""
        ends = self.shape.reorganise_2025 and self.as_of >= REORGANISATION_2025
        if ends and day >= REORGANISATION_2025 and committee.name.startswith(DISTRICT_PREFIXES):
            return self.province
        return committee

    def write_courses_and_reviews(self):
        """Each committee's courses (one a quarter in which its people were certified, with their
        certificates), one course still open for enrolment, and four quarters of pool reviews, some
        cells missing one."""
        rng, today = self.rng, self.as_of
        committee_of = {committee.path: committee for committee, _m in self.committees}
        step = paths.STEPLEN * 2
        groups = {}
        for person in self.people:
            if person.course_date and person.course_certificate_no and person.cell.path[:step] in committee_of:
                year, quarter = quarter_of(person.course_date)
                groups.setdefault((person.cell.path[:step], year, quarter), []).append(person)
        courses, rosters = [], []
        numbers = {}
        for (path, year, _quarter), people in sorted(groups.items()):
            end = min(person.course_date for person in people)
            organiser = self._organiser(committee_of[path], end)
            numbers[(organiser.path, year)] = numbers.get((organiser.path, year), 0) + 1
            course = Course(
                organiser=organiser,
                number=f"{numbers[(organiser.path, year)]:02d}/{year}",
                start_date=end - datetime.timedelta(days=4),
                end_date=end,
                place="Trung tâm Chính trị " + committee_of[path].name.replace("Đảng bộ ", ""),
            )
            courses.append(course)
            rosters.append(people)
        # One course still taking people: the first committee's outstanding persons not yet trained.
        first = self.committees[0][0]
        waiting = [
            person
            for person in self.people
            if person.cell.path.startswith(first.path)
            and not person.course_date
            and not person.exit_date
            and not person.resolution_date
            and not person.decision_date
        ][:40]
        open_course = Course(
            organiser=self._organiser(first, today),
            number=f"{numbers.get((self._organiser(first, today).path, today.year), 0) + 1:02d}/{today.year}",
            start_date=today + datetime.timedelta(days=10),
            end_date=today + datetime.timedelta(days=14),
            place="Hội trường " + first.name,
        )
        courses.append(open_course)
        rosters.append(None)
        Course.objects.bulk_create(courses, batch_size=2000)
        participants = []
        for course, people in zip(courses, rosters):
            if people is None:
                participants += [CourseParticipant(course=course, candidate=person) for person in waiting]
                continue
            for person in people:
                participants.append(
                    CourseParticipant(
                        course=course,
                        candidate=person,
                        attended=True,
                        result=CourseResult.PASSED,
                        certificate_no=person.course_certificate_no,
                        certificate_date=person.course_date,
                    )
                )
        CourseParticipant.objects.bulk_create(participants, batch_size=5000)

        # Pool targets for this year: about twice the admissions target of each unit.
        PoolTarget.objects.bulk_create(
            [
                PoolTarget(unit=target.unit, year=target.year, persons=target.admissions * 2 + rng.randint(0, 2))
                for target in self.targets
                if target.year == today.year
            ],
            batch_size=5000,
        )
        # Pool reviews: the four quarters before this one; about one cell in eight skips a quarter.
        year, quarter = quarter_of(today)
        quarters = []
        for _i in range(4):
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
            quarters.append((year, quarter))
        by_cell = {}
        for person in self.people:
            if person.listed_on:
                by_cell.setdefault(person.cell_id, []).append(person)
        reviews, entries = [], []
        for cell, *_rest in self.cells:
            people = by_cell.get(cell.pk, [])
            for year, quarter in quarters:
                if rng.random() < 0.12:
                    continue
                start, end = quarter_bounds(year, quarter)
                review = PoolReview(cell=cell, year=year, quarter=quarter, reviewed_on=end)
                reviews.append(review)
                for person in people:
                    gone = min((d for d in (person.decision_date, person.exit_date) if d), default=None)
                    if person.listed_on > end:
                        continue
                    if gone is None or gone > end:
                        ready = bool(person.application_date and person.application_date <= end)
                        entries.append((review, person, PoolDecision.READY if ready else PoolDecision.KEEP, ""))
                    elif person.exit_date and gone == person.exit_date and start <= gone and not person.decision_date:
                        entries.append((review, person, PoolDecision.LEAVE, person.exit_reason))
        PoolReview.objects.bulk_create(reviews, batch_size=5000)
        PoolReviewEntry.objects.bulk_create(
            [
                PoolReviewEntry(review=review, candidate=person, decision=decision, exit_reason=reason)
                for review, person, decision, reason in entries
            ],
            batch_size=5000,
        )

    def _users(self, password):
        committee = self.committees[0][0]
        # The secretary of a cell with people at several stages, so their page has something to show.
        cells_here = [
            cell
            for cell, c, gtype, _ in self.cells
            if c == 0 and cell.kind == UnitKind.CELL and gtype == GrassrootsType.COMMUNE
        ]
        counts = {}
        for person in self.people:
            if person.cell.path.startswith(committee.path) and not person.decision_date:
                counts[person.cell_id] = counts.get(person.cell_id, 0) + 1
        secretary_cell = max(cells_here, key=lambda cell: (counts.get(cell.pk, 0), cell.path))
        # After the 2025 reorganisation the district is gone: its staff work for a consolidated commune.
        committee_staff_unit = self.new_communes[0] if self.new_communes else committee
        specs = [
            ("tochuc", "Nguyễn Thị Tổ Chức", self.province, Role.STAFF),
            ("tochuc_huyen", "Trần Văn Huyện", committee_staff_unit, Role.STAFF),
            ("lanhdao", "Lê Văn Lãnh Đạo", self.province, Role.LEADERSHIP),
            ("bithu", "Lò Văn Bí Thư", secretary_cell, Role.SECRETARY),
        ]
        users = []
        for username, full_name, unit, role in specs:
            family, *rest = full_name.split()
            user = User(username=username, first_name=" ".join(rest), last_name=family, unit=unit, role=role)
            user.set_password(password)
            users.append(user)
        admin = User(username="admin", first_name="Quản trị", is_superuser=True, is_staff=True)
        admin.set_password(password)
        users.append(admin)
        User.objects.bulk_create(users)
        return users


# Sent once the demo is written (seed_demo), so the apps above add their own demo records (the
# quarterly returns sent: reports.demo) without this app importing them. Arguments: builder, users.
demo_written = Signal()
