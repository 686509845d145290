"""People in the pipeline and the reference data that describes them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from units import permissions
from units.audit import VersionedModel
from units.closing import ClosedQuarters
from units.jobs import BuiltFile, JobRecord
from units.models import CELL_KINDS, Unit
from units.periods import QUARTER_CHOICES, quarter_label
from units.permissions import RestrictedQuerySet
from units.text import fold, match_key, name_sort_key

from . import education, pipeline
from .pipeline import ExitReason, IntroducingOrganisation, Stage


class ReferenceQuerySet(models.QuerySet):
    def matching(self, typed):
        """The entry whose name matches what a person typed, ignoring case, diacritics, spaces, hyphens."""
        return self.filter(key=match_key(typed)).first()


class ReferenceEntry(models.Model):
    name = models.CharField(_("tên"), max_length=100, unique=True)
    key = models.CharField(max_length=100, unique=True, editable=False)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = match_key(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        others = type(self).objects.exclude(pk=self.pk).filter(key=match_key(self.name))
        if others.exists():
            raise ValidationError(
                {"name": _("Đã có “%(name)s”, trùng khi bỏ dấu, dấu cách và gạch nối.") % {"name": others.first().name}}
            )


class Ethnicity(ReferenceEntry):
    """One of the 54 officially recognised ethnic groups."""

    is_minority = models.BooleanField(_("dân tộc thiểu số"), default=True)

    class Meta(ReferenceEntry.Meta):
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")


class Religion(ReferenceEntry):
    class Meta(ReferenceEntry.Meta):
        verbose_name = _("tôn giáo")
        verbose_name_plural = _("tôn giáo")


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class Occupation(models.TextChoices):
    WORKER = "worker", _("Công nhân")
    FARMER = "farmer", _("Nông dân")
    INTELLECTUAL = "intellectual", _("Trí thức")
    CIVIL_SERVANT = "civil_servant", _("Cán bộ công chức")
    PUBLIC_EMPLOYEE = "public_employee", _("Viên chức")
    ARMED_FORCES = "armed_forces", _("Sĩ quan chiến sĩ")
    PUPIL = "pupil", _("Học sinh")
    STUDENT = "student", _("Sinh viên")
    BUSINESS_OWNER = "business_owner", _("Chủ doanh nghiệp tư nhân")
    OTHER = "other", _("Khác")


# Education as the party's forms record it (lý lịch 2-KNĐ, the member statistics): three fields.
# General education is "grade/system" ("12/12", "9/12"; the old ten-year system "10/10", "7/10"),
# read and checked by recruitment.education.


class ProfessionalEducation(models.TextChoices):
    """Chuyên môn nghiệp vụ."""

    ELEMENTARY = "elementary", _("Sơ cấp")
    INTERMEDIATE = "intermediate", _("Trung cấp")
    COLLEGE = "college", _("Cao đẳng")
    UNIVERSITY = "university", _("Đại học")
    MASTER = "master", _("Thạc sĩ")
    DOCTOR = "doctor", _("Tiến sĩ")
    # Records from before the three fields said only "Sau đại học": kept as they were.
    POSTGRADUATE = "postgraduate", _("Sau đại học")


class PoliticalTheory(models.TextChoices):
    """Lý luận chính trị."""

    ELEMENTARY = "elementary", _("Sơ cấp")
    INTERMEDIATE = "intermediate", _("Trung cấp")
    ADVANCED = "advanced", _("Cao cấp")
    BACHELOR = "bachelor", _("Cử nhân")


class FormerExit(models.TextChoices):
    """How a former membership ended (kết nạp lại: who may be readmitted depends on it)."""

    STRUCK_OFF = "struck_off", _("Bị xóa tên")
    EXPELLED = "expelled", _("Bị khai trừ")
    RESIGNED_FAMILY = "resigned_family", _("Xin ra khỏi Đảng vì hoàn cảnh gia đình đặc biệt khó khăn")
    RESIGNED = "resigned", _("Xin ra khỏi Đảng (lý do khác)")
    ABANDONED = "abandoned", _("Tự bỏ sinh hoạt đảng")
    POLITICAL_HISTORY = "political_history", _("Vi phạm lịch sử chính trị, chính trị hiện nay")
    CORRUPTION = "corruption", _("Bị kết án về tội tham nhũng")
    SERIOUS_CRIME = "serious_crime", _("Bị kết án về tội nghiêm trọng trở lên")
    DISUNITY = "disunity", _("Gây mất đoàn kết nội bộ nghiêm trọng")
    OTHER = "other", _("Lý do khác")


class IntroducedBy(models.TextChoices):
    YOUTH_UNION = "youth_union", _("Đoàn TNCS Hồ Chí Minh")
    TRADE_UNION = "trade_union", _("Công đoàn")
    WOMEN_UNION = "women_union", _("Hội Liên hiệp Phụ nữ")
    FARMERS_UNION = "farmers_union", _("Hội Nông dân")
    VETERANS = "veterans", _("Hội Cựu chiến binh")
    FATHERLAND_FRONT = "fatherland_front", _("Mặt trận Tổ quốc")
    CELL = "cell", _("Chi bộ trực tiếp phát hiện")


citizen_id_validator = RegexValidator(r"^\d{12}$", _("Số CCCD gồm đúng 12 chữ số."))


class CandidateQuerySet(RestrictedQuerySet):
    # A person is in scope where their cell is: `restrict(user, action)` is the one question.
    scope_path = "cell__path"

    def in_subtree(self, unit):
        return self.filter(cell__path__startswith=unit.path)

    def with_stage(self):
        """Annotates `current_stage` (the `stage` property computes the same in Python)."""
        return self.annotate(current_stage=pipeline.stage_expression())

    def at_stage(self, *stages):
        condition = Q(pk__in=[])
        for stage in stages:
            condition |= pipeline.stage_q(stage)
        return self.filter(condition)

    def incomplete(self):
        return self.filter(pipeline.incomplete_q())

    def admitted_between(self, start, end):
        """Admissions count on their decision date."""
        return self.filter(decision_date__gte=start, decision_date__lte=end)

    def search(self, text):
        """By name ignoring diacritics and case ("nguyen van an"), or by citizen ID digits."""
        text = (text or "").strip()
        if not text:
            return self
        if text.isdigit():
            return self.filter(citizen_id__contains=text)
        return self.filter(search_name__contains=fold(text))

    def in_name_order(self):
        return self.order_by("name_sort_key", "pk")


class Candidate(VersionedModel):
    """A person on the path from outstanding person to official member.

    The steps are groups of dated fields on this row (see pipeline.STEPS): one row per person keeps
    lists, filters and roll-ups single queries without joins; the stage is derived, never stored.
    """

    # Profile
    full_name = models.CharField(_("họ và tên"), max_length=120)
    date_of_birth = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=10, choices=Gender.choices)
    ethnicity = models.ForeignKey(Ethnicity, on_delete=models.PROTECT, verbose_name=_("dân tộc"))
    religion = models.ForeignKey(
        Religion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("tôn giáo"),
        help_text=_("Để trống nếu không theo tôn giáo."),
    )
    occupation = models.CharField(_("nghề nghiệp"), max_length=20, choices=Occupation.choices)
    general_education = models.CharField(
        _("giáo dục phổ thông"),
        max_length=5,
        blank=True,
        help_text=_("Lớp/hệ: 12/12, 9/12; hệ 10 năm cũ: 10/10, 7/10."),
    )
    professional_education = models.CharField(
        _("chuyên môn nghiệp vụ"), max_length=20, choices=ProfessionalEducation.choices, blank=True
    )
    political_theory = models.CharField(
        _("lý luận chính trị"), max_length=20, choices=PoliticalTheory.choices, blank=True
    )
    education_exception = models.CharField(
        _("trường hợp được kết nạp dưới trung học cơ sở"),
        max_length=255,
        blank=True,
        help_text=_(
            "Căn cứ khi chưa tốt nghiệp trung học cơ sở: vùng cao, miền núi, biên giới, hải đảo, đồng bào dân tộc "
            "thiểu số hoặc trường hợp khác theo quy định (ghi văn bản cho phép)."
        ),
    )
    youth_union_member = models.BooleanField(_("đoàn viên"), default=False)
    citizen_id = models.CharField(
        _("số CCCD"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[citizen_id_validator],
        error_messages={"unique": _("Số CCCD này đã có trong hệ thống.")},
    )
    cell = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="candidates",
        verbose_name=_("chi bộ"),
        limit_choices_to={"kind__in": CELL_KINDS},
    )

    # 1. Quần chúng ưu tú
    listed_on = models.DateField(_("ngày vào danh sách quần chúng ưu tú"), null=True, blank=True)
    introduced_by = models.CharField(_("tổ chức giới thiệu"), max_length=20, choices=IntroducedBy.choices, blank=True)
    mentor_name = models.CharField(_("đảng viên giúp đỡ"), max_length=120, blank=True)
    # 2. Lớp bồi dưỡng nhận thức về Đảng
    course_certificate_no = models.CharField(_("số giấy chứng nhận bồi dưỡng"), max_length=50, blank=True)
    course_date = models.DateField(_("ngày cấp giấy chứng nhận bồi dưỡng"), null=True, blank=True)
    # 3. Hồ sơ
    application_date = models.DateField(_("ngày làm đơn xin vào Đảng"), null=True, blank=True)
    introducing_organisation = models.CharField(
        _("tổ chức đoàn thể giới thiệu"),
        max_length=20,
        choices=IntroducingOrganisation.choices,
        blank=True,
        help_text=_("Để trống khi hai đảng viên chính thức giới thiệu."),
    )
    introducer_1 = models.CharField(_("đảng viên giới thiệu thứ nhất"), max_length=120, blank=True)
    introducer_2 = models.CharField(_("đảng viên giới thiệu thứ hai"), max_length=120, blank=True)
    # Kết nạp lại: a former membership
    former_admission_date = models.DateField(_("ngày vào Đảng lần trước"), null=True, blank=True)
    former_official_date = models.DateField(_("ngày chính thức lần trước"), null=True, blank=True)
    former_exit_date = models.DateField(_("ngày ra khỏi Đảng"), null=True, blank=True)
    former_exit = models.CharField(_("hình thức ra khỏi Đảng"), max_length=20, choices=FormerExit.choices, blank=True)
    former_readmitted = models.BooleanField(
        _("đã được kết nạp lại một lần"),
        default=False,
        help_text=_("Đánh dấu nếu người này đã từng được kết nạp lại trước đây."),
    )
    # 4. Nghị quyết chi bộ
    resolution_date = models.DateField(_("ngày nghị quyết chi bộ"), null=True, blank=True)
    age_exception = models.CharField(
        _("quyết định đặc biệt (trên 60 tuổi)"),
        max_length=120,
        blank=True,
        help_text=_("Số và ngày văn bản cho phép kết nạp người trên 60 tuổi."),
    )
    # 5. Quyết định kết nạp
    decision_no = models.CharField(_("số quyết định kết nạp"), max_length=50, blank=True)
    decision_date = models.DateField(_("ngày quyết định kết nạp"), null=True, blank=True, db_index=True)
    decision_issuer = models.CharField(_("cấp ủy ra quyết định"), max_length=120, blank=True)
    # 6. Lễ kết nạp, dự bị
    ceremony_date = models.DateField(_("ngày lễ kết nạp"), null=True, blank=True)
    new_member_course_date = models.DateField(_("ngày học lớp đảng viên mới"), null=True, blank=True)
    # 7. Công nhận chính thức
    recognition_no = models.CharField(_("số quyết định công nhận chính thức"), max_length=50, blank=True)
    recognition_date = models.DateField(_("ngày công nhận chính thức"), null=True, blank=True)
    # Ra khỏi quy trình
    exit_date = models.DateField(_("ngày ra khỏi danh sách"), null=True, blank=True)
    exit_reason = models.CharField(_("lý do"), max_length=20, choices=ExitReason.choices, blank=True)
    exit_note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    # Derived on save for searching and sorting the Vietnamese way on any database.
    search_name = models.CharField(max_length=120, editable=False, db_index=True)
    name_sort_key = models.CharField(max_length=255, editable=False, db_index=True)

    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người sửa"),
    )

    audit_hidden_fields = ("search_name", "name_sort_key", "created_at", "updated_at", "created_by", "updated_by")
    audit_masked_fields = ("citizen_id",)

    objects = CandidateQuerySet.as_manager()
    # Every change, with who and when; the steps are fields of this row, so they are recorded too.
    history = HistoricalRecords(excluded_fields=["search_name", "name_sort_key"])

    class Meta:
        verbose_name = _("quần chúng / đảng viên mới")
        verbose_name_plural = _("quần chúng / đảng viên mới")
        ordering = ["name_sort_key", "pk"]
        indexes = [
            models.Index(fields=["cell", "decision_date"]),
            models.Index(fields=["ceremony_date"]),
            models.Index(fields=["resolution_date"]),
            # Every step's date is indexed, so the steps dated in a period (the pipeline report's flow
            # and median days, in the quarterly return) are index range scans, not a scan of everyone.
            models.Index(fields=["listed_on"], name="candidate_listed_on"),
            models.Index(fields=["course_date"], name="candidate_course_date"),
            models.Index(fields=["application_date"], name="candidate_application_date"),
            models.Index(fields=["recognition_date"], name="candidate_recognition_date"),
            # The to-do list reads each kind's waiting people oldest clock date first, ten at a time:
            # a partial index per kind makes that a short index walk for a whole province.
            *(
                models.Index(
                    fields=[deadline.clock, "name_sort_key", "id"],
                    condition=deadline.waiting_q(),
                    name=f"candidate_due_{deadline.kind}",
                )
                for deadline in pipeline.DEADLINES
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(citizen_id__isnull=True) | Q(citizen_id__regex=r"^[0-9]{12}$"),
                name="candidate_citizen_id_12_digits",
            ),
            models.CheckConstraint(
                condition=Q(recognition_date__isnull=True)
                | Q(ceremony_date__isnull=True)
                | Q(recognition_date__gte=models.F("ceremony_date")),
                name="candidate_recognition_after_ceremony",
            ),
        ]

    def __str__(self):
        return self.full_name

    # --- derived ---
    @property
    def stage(self):
        return pipeline.stage_of(self)

    def get_stage_display(self):
        return Stage(self.stage).label

    @property
    def missing_steps(self):
        return pipeline.missing_steps(self)

    @property
    def missing_details(self):
        return pipeline.missing_details(self)

    @property
    def is_incomplete(self):
        return pipeline.is_incomplete(self)

    @property
    def is_readmission(self):
        """A former membership is recorded: the person would be readmitted (kết nạp lại)."""
        return pipeline.is_readmission(self)

    @property
    def official_from(self):
        return pipeline.official_from(self)

    @property
    def is_minority(self):
        return self.ethnicity.is_minority

    def next_steps(self):
        return pipeline.next_steps(self)

    def deadlines(self):
        return pipeline.deadlines(self)

    # --- validation and saving ---
    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # The row as read: the closed-quarter rule compares a change against it.
        instance._loaded = dict(zip(field_names, values))
        return instance

    @property
    def original(self):
        """The row as read from the database ({attname: value}); None for a new person."""
        if self._state.adding or self.pk is None:
            return None
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            # Not read from the table: a historical version's instance (the admin's history revert
            # builds one) or one made by hand. Compare with the row as stored, never with nothing,
            # or emptying a closed quarter's admission would pass for adding nothing.
            names = [f.attname for f in self._meta.concrete_fields]
            loaded = type(self)._base_manager.filter(pk=self.pk).values(*names).first() or {}
            self._loaded = loaded
        return loaded

    def closed_quarters_for(self, cell_id):
        index = getattr(self, "_closed_index", None)  # set by the import: one query for all rows
        cell = self.cell if cell_id == self.cell_id else Unit.objects.get(pk=cell_id)
        return index.for_unit(cell) if index is not None else ClosedQuarters.for_unit(cell)

    def frozen_by(self):
        """The closure that freezes this person's admission or recognition (so the record may not be
        deleted), or None."""
        if self.cell_id is None:
            return None
        book = self.closed_quarters_for(self.cell_id)
        for date_field, _names in pipeline.FROZEN_GROUPS:
            closure = book.closure_for(getattr(self, date_field))
            if closure is not None:
                return closure
        return None

    def clean_fields(self, exclude=None):
        # "Tốt nghiệp THPT" is longer than the field's "12/12": read it before the length is checked.
        try:
            self.general_education = education.normalise(self.general_education)
        except education.NotAGrade:
            exclude = {*(exclude or ()), "general_education"}  # clean() names the problem, once
        super().clean_fields(exclude=exclude)

    def clean(self):
        self.full_name = " ".join((self.full_name or "").split())
        self.citizen_id = (self.citizen_id or "").strip() or None
        errors = {}
        try:
            self.general_education = education.normalise(self.general_education)
        except education.NotAGrade as error:
            errors["general_education"] = [str(error)]
        if self.cell_id and self.cell.kind not in CELL_KINDS:
            errors["cell"] = [_("Quần chúng phải thuộc một chi bộ (chi bộ hoặc chi bộ cơ sở).")]
        for name, messages in pipeline.check(self).items():
            errors.setdefault(name, []).extend(messages)
        if self.cell_id and "cell" not in errors:
            for name, messages in pipeline.check_closed_quarters(self, self.original, self.closed_quarters_for).items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def refresh_derived(self):
        """Fill the search and sort keys; bulk inserts call it since they bypass save()."""
        self.citizen_id = (self.citizen_id or "").strip() or None
        self.search_name = fold(self.full_name)
        self.name_sort_key = name_sort_key(self.full_name)

    def save(self, *args, **kwargs):
        self.refresh_derived()
        super().save(*args, **kwargs)
        self._loaded = {f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields}


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    CHECKING = "checking", _("Đang kiểm tra")
    READY = "ready", _("Sẵn sàng nhập")
    INVALID = "invalid", _("Có lỗi, chưa nhập gì")
    IMPORTING = "importing", _("Đang nhập")
    DONE = "done", _("Đã nhập")
    FAILED = "failed", _("Nhập thất bại, không ghi gì")
    CANCELLED = "cancelled", _("Đã hủy, không ghi gì")


class WorkbookImportQuerySet(models.QuerySet):
    """An import is its author's (a superuser sees every one): scoped by who made it, not by a unit."""

    def restrict(self, user, action=permissions.IMPORT):
        if not permissions.may(user, action):
            return self.none()
        return self if user.is_superuser else self.filter(user=user)


class ImportStep(models.TextChoices):
    CHECK = "check", _("Kiểm tra")
    IMPORT = "import", _("Nhập")


class WorkbookImport(JobRecord):
    """One upload of a workbook (or one run of `import_workbook`): who, when, what file, what it did.

    The browser checks the file first (a dry run, status READY or INVALID) and imports it on confirmation
    (DONE, or FAILED when the data changed in between); `counts` and `errors` hold the latest run's result.
    Both runs are jobs for a worker (recruitment/tasks.py): `step` says which one ran last, so a failed
    one can be run again; progress and signs of life are written here by the worker (units.jobs).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    file_name = models.CharField(_("tên tệp"), max_length=255)
    file_size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    stored_path = models.CharField(max_length=500, blank=True, editable=False)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    from_command_line = models.BooleanField(_("nhập bằng dòng lệnh"), default=False)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    counts = models.JSONField(_("số lượng"), default=dict, blank=True)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    warnings = models.JSONField(_("lưu ý"), default=list, blank=True)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    checked_at = models.DateTimeField(_("kiểm tra lúc"), null=True, blank=True)
    imported_at = models.DateTimeField(_("nhập lúc"), null=True, blank=True)
    # What the check found, row by row: the first rows of each sheet with created / updated / unchanged
    # and, for updates, old -> new; and each way of writing a value that was read and corrected.
    preview = models.JSONField(_("xem trước"), default=dict, blank=True)
    step = models.CharField(_("bước"), max_length=10, choices=ImportStep.choices, blank=True)

    objects = WorkbookImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    def readable_by(self, user):
        """The rule of WorkbookImportQuerySet.restrict, for one record in hand."""
        return permissions.may(user, permissions.IMPORT) and (user.is_superuser or user.pk == self.user_id)

    @property
    def is_running(self):
        return self.status in (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def is_waiting(self):
        """Queued, no worker has taken it yet."""
        return self.is_running and not self.worker


# --- Awareness courses (lớp bồi dưỡng nhận thức về Đảng) ------------------------------------------


class CourseResult(models.TextChoices):
    PASSED = "passed", _("Đạt")
    FAILED = "failed", _("Không đạt")


class CourseQuerySet(RestrictedQuerySet):
    """A course is in the scope of its organiser; for reading, also in the scope of every account one
    of whose people sits in it (a cell secretary sees the courses their people attend)."""

    scope_path = "organiser__path"

    def restrict(self, user, action=permissions.VIEW):
        rows = super().restrict(user, action)
        if action != permissions.VIEW or not permissions.may(user, action) or user.is_superuser:
            return rows
        own = user.unit.path
        enrolled = CourseParticipant.objects.filter(candidate__cell__path__startswith=own).values("course_id")
        return self.filter(Q(organiser__path__startswith=own) | Q(pk__in=enrolled))


class Course(VersionedModel):
    """One awareness course, opened by a committee or its political centre (trung tâm chính trị) for
    outstanding persons of the cells below it; certificates are issued from its numbered register."""

    organiser = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("đơn vị mở lớp"),
        help_text=_("Cấp ủy hoặc trung tâm chính trị mở lớp; học viên là quần chúng của các chi bộ trực thuộc."),
    )
    number = models.CharField(_("số lớp"), max_length=50, help_text=_("Ví dụ: 03/2025."))
    start_date = models.DateField(_("ngày khai giảng"))
    end_date = models.DateField(_("ngày bế giảng"))
    place = models.CharField(_("địa điểm"), max_length=255)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )

    audit_hidden_fields = ("created_at", "created_by")

    objects = CourseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lớp bồi dưỡng nhận thức về Đảng")
        verbose_name_plural = _("lớp bồi dưỡng nhận thức về Đảng")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organiser", "number"],
                name="course_unique_number",
                violation_error_message=_("Đơn vị này đã có lớp mang số này."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="course_dates_ordered",
                violation_error_message=_("Ngày bế giảng không được trước ngày khai giảng."),
            ),
        ]
        indexes = [models.Index(fields=["end_date"])]

    def __str__(self):
        return _("Lớp %(number)s · %(organiser)s") % {"number": self.number, "organiser": self.organiser}

    def readable_by(self, user, enrolled_cell=None):
        """The rule of CourseQuerySet.restrict(user, "view") for one course in hand, without a query: its
        organiser is in the user's scope, or `enrolled_cell` (the cell of one of its people) is."""
        if permissions.allows(user, permissions.VIEW, self.organiser):
            return True
        return enrolled_cell is not None and permissions.allows(user, permissions.VIEW, enrolled_cell)

    def clean(self):
        errors = {}
        if self.organiser_id and self.organiser.kind in CELL_KINDS:
            errors["organiser"] = _("Lớp bồi dưỡng do cấp ủy cấp trên cơ sở hoặc đảng ủy cơ sở mở, không do chi bộ.")
        elif self.organiser_id and self.pk is not None:
            # Here rather than in the service, so the admin's form refuses a new organiser the same way.
            outside = self.participants.exclude(candidate__cell__path__startswith=self.organiser.path)
            if outside.exists():
                errors["organiser"] = _(
                    "Có học viên không thuộc đơn vị mở lớp mới; hãy bỏ họ khỏi danh sách lớp trước."
                )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("Ngày bế giảng không được trước ngày khai giảng.")
        if errors:
            raise ValidationError(errors)


class CourseParticipantQuerySet(RestrictedQuerySet):
    # A participant is in scope where their cell is, like the person.
    scope_path = "candidate__cell__path"

    def in_roster_order(self):
        return self.order_by("candidate__cell__path", "candidate__name_sort_key", "pk")


class CourseParticipant(models.Model):
    """A person on a course's roster: attendance, result, and the certificate issued to them."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="participants", verbose_name=_("lớp"))
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="course_places", verbose_name=_("học viên")
    )
    attended = models.BooleanField(_("tham gia đầy đủ"), null=True, blank=True)
    result = models.CharField(_("kết quả"), max_length=10, choices=CourseResult.choices, blank=True)
    certificate_no = models.CharField(_("số giấy chứng nhận"), max_length=50, blank=True)
    certificate_date = models.DateField(_("ngày cấp giấy chứng nhận"), null=True, blank=True, db_index=True)

    objects = CourseParticipantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("học viên lớp bồi dưỡng")
        verbose_name_plural = _("học viên lớp bồi dưỡng")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "candidate"],
                name="course_participant_unique",
                violation_error_message=_("Người này đã có trong danh sách lớp."),
            ),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.course}"

    @property
    def has_certificate(self):
        return bool(self.certificate_date)

    def clean(self):
        errors = {}
        if self.result == CourseResult.PASSED and not self.attended:
            errors["result"] = _("Chỉ xếp loại đạt khi học viên tham gia đầy đủ lớp học.")
        if self.course_id and self.candidate_id and not self.candidate.cell.is_within(self.course.organiser):
            errors["candidate"] = _("%(name)s không thuộc chi bộ nào trực thuộc %(organiser)s.") % {
                "name": self.candidate.full_name,
                "organiser": self.course.organiser.name,
            }
        if errors:
            raise ValidationError(errors)


# --- The quarterly review of the pool (rà soát nguồn kết nạp) -------------------------------------


class PoolDecision(models.TextChoices):
    KEEP = "keep", _("Tiếp tục bồi dưỡng")
    READY = "ready", _("Đủ điều kiện, đề nghị xem xét kết nạp")
    LEAVE = "leave", _("Đưa ra khỏi nguồn")


# Why a person leaves the pool at a review: the exits before admission (striking off is for members).
POOL_EXIT_REASONS = [(value, label) for value, label in ExitReason.choices if value != ExitReason.STRUCK_OFF]


class PoolReviewQuerySet(RestrictedQuerySet):
    scope_path = "cell__path"


class PoolReview(models.Model):
    """A cell's review of its outstanding persons for one quarter: who stays, who is ready, who leaves."""

    cell = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="pool_reviews",
        verbose_name=_("chi bộ"),
        limit_choices_to={"kind__in": CELL_KINDS},
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=QUARTER_CHOICES)
    reviewed_on = models.DateField(_("ngày rà soát"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người rà soát"),
    )
    updated_at = models.DateTimeField(_("lưu lúc"), auto_now=True)

    audit_hidden_fields = ("updated_at",)

    objects = PoolReviewQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rà soát nguồn kết nạp")
        verbose_name_plural = _("rà soát nguồn kết nạp")
        ordering = ["-year", "-quarter", "cell__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["cell", "year", "quarter"],
                name="pool_review_unique",
                violation_error_message=_("Chi bộ đã rà soát nguồn quý này."),
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="pool_review_quarter_1_to_4"),
        ]
        indexes = [models.Index(fields=["year", "quarter"])]

    def __str__(self):
        return f"{self.cell} · {self.label}"

    @property
    def label(self):
        return quarter_label(self.year, self.quarter)


class PoolReviewEntryQuerySet(RestrictedQuerySet):
    scope_path = "review__cell__path"


class PoolReviewEntry(models.Model):
    review = models.ForeignKey(PoolReview, on_delete=models.CASCADE, related_name="entries", verbose_name=_("rà soát"))
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="pool_entries", verbose_name=_("quần chúng")
    )
    decision = models.CharField(_("kết quả rà soát"), max_length=10, choices=PoolDecision.choices)
    exit_reason = models.CharField(_("lý do"), max_length=20, choices=POOL_EXIT_REASONS, blank=True)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    objects = PoolReviewEntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kết quả rà soát một quần chúng")
        verbose_name_plural = _("kết quả rà soát từng quần chúng")
        constraints = [
            models.UniqueConstraint(fields=["review", "candidate"], name="pool_entry_unique"),
            models.CheckConstraint(
                condition=~Q(decision="leave") | ~Q(exit_reason=""),
                name="pool_entry_leave_has_reason",
                violation_error_message=_("Đưa ra khỏi nguồn phải ghi lý do."),
            ),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.get_decision_display()}"


class CandidateExportQuerySet(models.QuerySet):
    """A long list's workbook is its author's alone: it holds their scope, and maybe full citizen IDs."""

    def restrict(self, user, action=permissions.VIEW):
        if not permissions.may(user, action):
            return self.none()
        return self.filter(requested_by=user)


class CandidateExport(BuiltFile):
    """The list of people, filtered as on the list page (`query`), built by a worker for the person
    who asked (recruitment.exports): a province's whole list takes seconds to write."""

    query = models.TextField(_("bộ lọc"), blank=True)  # the list page's filters, urlencoded
    with_ids = models.BooleanField(_("kèm số CCCD đầy đủ"), default=False)
    rows = models.PositiveIntegerField(_("số người"), null=True, blank=True)

    objects = CandidateExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("tệp danh sách quần chúng")
        verbose_name_plural = _("tệp danh sách quần chúng")
        ordering = ["-created_at", "-pk"]
