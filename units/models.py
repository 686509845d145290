"""The unit tree (hệ thống tổ chức đảng), terms, targets, member headcounts, and who sits where."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from . import paths
from .audit import VersionedModel
from .periods import QUARTER_CHOICES, quarter_label, quarters_between
from .permissions import RestrictedQuerySet
from .roles import Role


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Đảng bộ tỉnh")
    COMMITTEE = "committee", _("Đảng bộ trực thuộc")
    GRASSROOTS_COMMITTEE = "grassroots_committee", _("Đảng bộ cơ sở")
    GRASSROOTS_CELL = "grassroots_cell", _("Chi bộ cơ sở")
    PARTIAL_COMMITTEE = "partial_committee", _("Đảng bộ bộ phận")
    CELL = "cell", _("Chi bộ")


# Kinds are data on each unit, not implied by depth: the 2025 reorganisation removed a whole level.
GRASSROOTS_KINDS = (UnitKind.GRASSROOTS_COMMITTEE, UnitKind.GRASSROOTS_CELL)
# Where members (and so candidates) live: a cell, or a grassroots cell with no cells below it.
CELL_KINDS = (UnitKind.CELL, UnitKind.GRASSROOTS_CELL)


class GrassrootsType(models.TextChoices):
    COMMUNE = "commune", _("Xã, phường, thị trấn")
    STATE_ENTERPRISE = "state_enterprise", _("Doanh nghiệp có vốn nhà nước")
    PRIVATE_ENTERPRISE = "private_enterprise", _("Doanh nghiệp không có vốn nhà nước")
    ADMINISTRATION = "administration", _("Cơ quan hành chính")
    PUBLIC_SERVICE = "public_service", _("Đơn vị sự nghiệp")
    ARMED_FORCES = "armed_forces", _("Lực lượng vũ trang")
    OTHER = "other", _("Khác")


class UnitQuerySet(RestrictedQuerySet, MP_NodeQuerySet):
    scope_path = "path"

    def subtree(self, unit):
        """The unit and everything below it: one `path LIKE 'prefix%'` query."""
        return self.filter(path__startswith=unit.path)

    def cells(self):
        return self.filter(kind__in=CELL_KINDS)

    def children_of(self, unit):
        """The units directly below `unit` today (those that ended are left out)."""
        return self.filter(path__startswith=unit.path, depth=unit.depth + 1, ended_on__isnull=True)

    def active(self):
        return self.filter(ended_on__isnull=True)

    def ancestors_of(self, unit, include_self=False):
        return self.filter(path__in=paths.ancestor_paths(unit.path, include_self=include_self))


class UnitManager(MP_NodeManager.from_queryset(UnitQuerySet)):
    """Treebeard's manager, with the scope and tree queries of UnitQuerySet available on it."""

    def get_queryset(self):
        return UnitQuerySet(self.model, using=self._db).order_by("path")

    def parent_of(self, unit):
        return self.get_queryset().filter(path=paths.parent_path(unit.path)).first() if unit.depth > 1 else None


def child_prefix(path_field, unit):
    """An expression for the path of the child of `unit` that a row's `path_field` lies under.

    Grouping rows by it rolls a subtree up onto the unit's direct children in one query.
    Rows attached to `unit` itself get `unit.path` (shorter), so they stay apart from every child.
    """
    return Substr(path_field, 1, len(unit.path) + paths.STEPLEN)


class Unit(VersionedModel, MP_Node):
    """A party organisation at any level. Position in the tree is the materialised `path`."""

    code = models.CharField(_("mã đơn vị"), max_length=30, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    kind = models.CharField(_("loại tổ chức"), max_length=30, choices=UnitKind.choices)
    # Set on grassroots organisations; the units below them carry a copy (kept in step by
    # units.services) so that statistics by grassroots type need no walk up the tree.
    grassroots_type = models.CharField(_("loại hình cơ sở"), max_length=30, choices=GrassrootsType.choices, blank=True)
    # A unit that ended (merged, consolidated, dissolved, split away) stays, with its people, targets and
    # history; from this date it is in no tree (units.reorganisation). Its code is never reused.
    ended_on = models.DateField(_("kết thúc hoạt động từ ngày"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
    )

    steplen = paths.STEPLEN
    alphabet = paths.ALPHABET
    audit_hidden_fields = ("path", "depth", "numchild")

    objects = UnitManager()
    # Who changed what and when. Moves rewrite paths with UPDATEs; units.services.unit_move records them.
    history = HistoricalRecords(excluded_fields=["numchild"])

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["depth"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if getattr(self, "tree_date", None) is not None:
            raise RuntimeError("A unit read from a dated tree (units.tree) carries that day's path: never saved.")
        return super().save(*args, **kwargs)

    @property
    def is_cell(self):
        return self.kind in CELL_KINDS

    @property
    def is_grassroots(self):
        return self.kind in GRASSROOTS_KINDS

    @property
    def parent_path(self):
        return paths.parent_path(self.path)

    @property
    def has_ended(self):
        return self.ended_on is not None

    def is_within(self, other):
        """True when this unit lies in `other`'s subtree (itself included)."""
        return self.path.startswith(other.path)

    def clean(self):
        errors = {}
        if self.is_grassroots and not self.grassroots_type:
            errors["grassroots_type"] = _(
                "Tổ chức cơ sở đảng phải có loại hình cơ sở (xã, phường, thị trấn; doanh nghiệp; ...)."
            )
        if self.pk and self.kind in CELL_KINDS and self.numchild:
            errors["kind"] = _("Chi bộ không có tổ chức đảng trực thuộc; hãy chuyển các đơn vị con đi trước.")
        if errors:
            raise ValidationError(errors)

    def validate_parent(self, parent):
        """The Charter's shape, independent of depth: raises ValidationError naming the rule."""
        if parent is None:
            if self.kind != UnitKind.PROVINCE:
                raise ValidationError(
                    {"kind": _("Chỉ Đảng bộ tỉnh đứng ở gốc cây; đơn vị khác phải có đơn vị cấp trên.")}
                )
            return
        if self.kind == UnitKind.PROVINCE:
            raise ValidationError({"kind": _("Đảng bộ tỉnh không có đơn vị cấp trên.")})
        if parent.kind in CELL_KINDS:
            raise ValidationError(
                {"parent": _("“%(parent)s” là chi bộ, không có đơn vị trực thuộc.") % {"parent": parent}}
            )
        if self.kind == UnitKind.PARTIAL_COMMITTEE and parent.kind != UnitKind.GRASSROOTS_COMMITTEE:
            raise ValidationError({"parent": _("Đảng bộ bộ phận phải trực thuộc một đảng bộ cơ sở.")})
        if self.pk and parent.path.startswith(self.path):
            raise ValidationError({"parent": _("Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")})


# --- The dated tree (units.tree reads it, units.reorganisation writes it) --------------------------

# The ends of time for a placement: since the unit's beginning, and still valid.
BEGINNING = datetime.date(1930, 1, 1)
OPEN_END = datetime.date(9999, 12, 31)


class PlacementQuerySet(models.QuerySet):
    def as_of(self, day):
        """The placements valid on `day`: valid_from <= day < valid_to."""
        return self.filter(valid_from__lte=day, valid_to__gt=day)

    def current(self):
        return self.filter(valid_to=OPEN_END)


class Placement(models.Model):
    """Where a unit stood in the tree, with the name it had, from `valid_from` until the day before
    `valid_to`. Each placement has its own materialised `path` in a space of its own (never reused,
    so placements of different times never collide): the tree as of a day is the placements valid
    that day, and a subtree as of a day is one `path LIKE 'prefix%'` query, as for today's tree.

    A unit merged into another keeps, from the merger on, a `folded` placement under its successor:
    it is drawn nowhere, but its cells' admissions roll up into the successor in later periods."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="placements", verbose_name=_("đơn vị"))
    parent = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("đơn vị cấp trên")
    )
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField()
    name = models.CharField(_("tên đơn vị"), max_length=255)
    valid_from = models.DateField(_("hiệu lực từ ngày"), default=BEGINNING)
    valid_to = models.DateField(_("hết hiệu lực từ ngày"), default=OPEN_END)
    folded = models.BooleanField(_("đã sáp nhập vào đơn vị kế thừa"), default=False)

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("vị trí trong cây tổ chức")
        verbose_name_plural = _("vị trí trong cây tổ chức")
        ordering = ["unit", "valid_from"]
        indexes = [
            models.Index(fields=["path", "valid_from", "valid_to"], name="placement_path_dates"),
            models.Index(fields=["unit", "valid_to"], name="placement_unit_dates"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="placement_dates_ordered"),
        ]

    def __str__(self):
        return f"{self.name} ({self.valid_from:%d/%m/%Y}–)"


class ReorgKind(models.TextChoices):
    ESTABLISH = "establish", _("Thành lập")
    MERGE = "merge", _("Sáp nhập")
    CONSOLIDATE = "consolidate", _("Hợp nhất")
    SPLIT = "split", _("Chia tách")
    MOVE = "move", _("Chuyển")
    RENAME = "rename", _("Đổi tên")
    DISSOLVE = "dissolve", _("Giải thể")


class ReorgEvent(models.Model):
    """A reorganisation decided by a committee (quyết định số ...), effective on a date. The changes
    it made are the placements it closed and opened; `summary` keeps what was shown before confirming."""

    kind = models.CharField(_("hình thức"), max_length=20, choices=ReorgKind.choices)
    effective_date = models.DateField(_("ngày hiệu lực"))
    decision_no = models.CharField(_("số quyết định"), max_length=100)
    decided_by = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("cấp ủy quyết định")
    )
    units = models.ManyToManyField(Unit, related_name="reorg_events", verbose_name=_("đơn vị liên quan"))
    summary = models.TextField(_("nội dung"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ghi"),
    )
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("sắp xếp tổ chức")
        verbose_name_plural = _("sắp xếp tổ chức")
        ordering = ["-effective_date", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.decision_no} ({self.effective_date:%d/%m/%Y})"


class Term(models.Model):
    """Nhiệm kỳ: five years between two congresses. Dates default to 1 Oct..30 Sep (congress season)."""

    start_year = models.PositiveSmallIntegerField(_("năm bắt đầu"))
    end_year = models.PositiveSmallIntegerField(_("năm kết thúc"))
    start_date = models.DateField(_("ngày bắt đầu"), blank=True)
    end_date = models.DateField(_("ngày kết thúc"), blank=True)
    opening_congress = models.CharField(_("đại hội mở đầu nhiệm kỳ"), max_length=255, blank=True)
    closing_congress = models.CharField(_("đại hội kết thúc nhiệm kỳ"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nhiệm kỳ")
        verbose_name_plural = _("nhiệm kỳ")
        ordering = ["start_year"]
        constraints = [
            models.UniqueConstraint(fields=["start_year", "end_year"], name="term_unique_years"),
            models.CheckConstraint(condition=Q(end_year__gt=models.F("start_year")), name="term_years_ordered"),
        ]

    def __str__(self):
        return f"{self.start_year}–{self.end_year}"

    def save(self, *args, **kwargs):
        start, end = self.default_dates(self.start_year, self.end_year)
        self.start_date = self.start_date or start
        self.end_date = self.end_date or end
        super().save(*args, **kwargs)

    def clean(self):
        if self.start_year and self.end_year and self.end_year <= self.start_year:
            raise ValidationError({"end_year": _("Năm kết thúc phải sau năm bắt đầu.")})
        if self.start_year and self.end_year:
            start, end = self.default_dates(self.start_year, self.end_year)
            self.start_date = self.start_date or start
            self.end_date = self.end_date or end
        if self.start_date and self.end_date:
            if self.end_date <= self.start_date:
                raise ValidationError({"end_date": _("Ngày kết thúc phải sau ngày bắt đầu.")})
            overlapping = Term.objects.exclude(pk=self.pk).filter(
                start_date__lte=self.end_date, end_date__gte=self.start_date
            )
            if overlapping.exists():
                raise ValidationError(
                    _("Nhiệm kỳ trùng thời gian với nhiệm kỳ %(other)s.") % {"other": overlapping.first()}
                )

    @property
    def label(self):
        return str(self)

    @classmethod
    def default_dates(cls, start_year, end_year):
        # Provincial congresses sit in the autumn; the term runs congress to congress.
        return datetime.date(start_year, 10, 1), datetime.date(end_year, 9, 30)


class Target(VersionedModel):
    """Chỉ tiêu kết nạp: admissions planned for a unit in a calendar year, or over a term."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="targets", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("nhiệm kỳ")
    )
    admissions = models.PositiveIntegerField(_("chỉ tiêu kết nạp"))

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        constraints = [
            models.CheckConstraint(
                condition=(Q(year__isnull=False) & Q(term__isnull=True))
                | (Q(year__isnull=True) & Q(term__isnull=False)),
                name="target_year_xor_term",
                violation_error_message=_("Chỉ tiêu phải gắn với đúng một năm hoặc một nhiệm kỳ."),
            ),
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(year__isnull=False),
                name="target_unique_unit_year",
                violation_error_message=_("Đơn vị đã có chỉ tiêu cho năm này."),
            ),
            models.UniqueConstraint(
                fields=["unit", "term"],
                condition=Q(term__isnull=False),
                name="target_unique_unit_term",
                violation_error_message=_("Đơn vị đã có chỉ tiêu cho nhiệm kỳ này."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.period_label}: {self.admissions}"

    @property
    def period_label(self):
        return str(self.year) if self.year else str(self.term)


class PoolTarget(VersionedModel):
    """Số quần chúng ưu tú dự nguồn: how many outstanding persons a unit plans to keep in its pool in a
    year, the second kind of target beside admissions (set and handed down the same way)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="pool_targets", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    persons = models.PositiveIntegerField(_("chỉ tiêu nguồn (quần chúng ưu tú)"))

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chỉ tiêu nguồn kết nạp")
        verbose_name_plural = _("chỉ tiêu nguồn kết nạp")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="pool_target_unique_unit_year",
                violation_error_message=_("Đơn vị đã có chỉ tiêu nguồn cho năm này."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.year}: {self.persons}"


class Headcount(models.Model):
    """Số đảng viên of a unit in a year, recorded at any level: a cell, a grassroots organisation, a
    committee or the province reports its own total. A unit's count is its own figure where it has
    one, otherwise the sum of its children's counts (units.selectors.member_counts), and the pages
    warn where a unit's own figure and the sum below it disagree."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="headcounts", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    members = models.PositiveIntegerField(_("số đảng viên"))

    objects = RestrictedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("số đảng viên")
        verbose_name_plural = _("số đảng viên")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="headcount_unique_unit_year")]
        # Reports read one year for a whole subtree: year first, and members in the index so the
        # roll-up never visits the table.
        indexes = [models.Index(fields=["year", "unit", "members"], name="headcount_year_unit")]

    def __str__(self):
        return f"{self.unit} · {self.year}: {self.members}"


class UserQuerySet(RestrictedQuerySet):
    def restrict(self, user, action="view"):
        rows = super().restrict(user, action)
        # The administrators' accounts are nobody's to see in the app but a superuser's.
        return rows if user.is_superuser else rows.filter(is_superuser=False)


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account sits in one unit with one role; it sees that unit's subtree and nothing else."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("đơn vị")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, blank=True)
    # Set when staff create the account or reset its password (units.accounts): every page but the
    # password change and logout sends the account there until it has a password only its owner knows.
    must_change_password = models.BooleanField(_("phải đổi mật khẩu"), default=False)

    # Never the password's hash; sign-ins are in LoginEvent (a history row for each would drown the changes).
    audit_hidden_fields = ("password", "last_login", "date_joined", "is_staff")

    objects = AccountManager()
    # Who created, disabled, reset or moved an account (units.accounts sets the author and the reason).
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is not None and set(kwargs["update_fields"]) <= {"last_login", "password"}:
            # Django stamps last_login on each sign-in, and re-hashes a password saved with an older work
            # factor: no history row for those (the changes themselves go through units.accounts).
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.is_superuser:
            return
        if not self.unit_id or not self.role:
            raise ValidationError(_("Tài khoản phải gắn với một đơn vị và một vai trò."))
        if self.role == Role.SECRETARY and not self.unit.is_cell:
            raise ValidationError({"unit": _("Bí thư chi bộ phải gắn với một chi bộ.")})

    def get_full_name(self):
        # Vietnamese order: family name first ("Lò Văn Bí Thư").
        return " ".join(part for part in (self.last_name, self.first_name) if part).strip()

    @property
    def is_secretary(self):
        """A cell secretary's pages are laid out for one cell (what they may do is units.permissions')."""
        return self.role == Role.SECRETARY and not self.is_superuser


# --- Closing a quarter (khóa sổ) ----------------------------------------------------------------


class ClosedQuarterQuerySet(RestrictedQuerySet):
    def covering(self, unit):
        """The closures that bind `unit`: its own and its ancestors' (one query on the path prefixes)."""
        return self.filter(unit__path__in=paths.ancestor_paths(unit.path))

    def overlapping(self, start, end):
        """Closures of the quarters that meet the dates start..end."""
        q = Q(pk__in=[])
        for year, quarter in quarters_between(start, end):
            q |= Q(year=year, quarter=quarter)
        return self.filter(q)


class ClosedQuarter(models.Model):
    """Khóa sổ: after a unit sends its quarterly return, admissions and recognitions dated in that
    quarter are frozen for its whole subtree until the committee above reopens it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="closed_quarters", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=QUARTER_CHOICES)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người khóa sổ"),
    )
    closed_at = models.DateTimeField(_("khóa sổ lúc"), auto_now_add=True)

    audit_hidden_fields = ("closed_at",)

    objects = ClosedQuarterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quý đã khóa sổ")
        verbose_name_plural = _("quý đã khóa sổ")
        ordering = ["-year", "-quarter", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"],
                name="closed_quarter_unique",
                violation_error_message=_("Quý này đã được khóa sổ."),
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="closed_quarter_1_to_4"),
        ]

    def __str__(self):
        return f"{self.unit} · {self.label}"

    @property
    def label(self):
        return quarter_label(self.year, self.quarter)


# --- Logins ------------------------------------------------------------------------------------


class LoginEvent(models.Model):
    """A login, a failed login or a logout (fed by Django's auth signals; see units.signals)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Đăng nhập")
        FAILED = "failed", _("Đăng nhập sai")
        LOGOUT = "logout", _("Đăng xuất")

    kind = models.CharField(_("sự kiện"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người dùng"),
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=255, blank=True)
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("lần đăng nhập")
        verbose_name_plural = _("nhật ký đăng nhập")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.username}"


# --- Who read what -----------------------------------------------------------------------------


class ReadEventQuerySet(RestrictedQuerySet):
    # Scoped by the reader's unit: staff see what accounts of their subtree read, never what the
    # committee above them read.
    scope_path = "reader_unit__path"


class ReadEvent(models.Model):
    """An export of member data or a view of a full citizen ID (written by units.readlog.record)."""

    class Kind(models.TextChoices):
        CANDIDATE_EXPORT = "candidate_export", _("Xuất danh sách quần chúng")
        REPORT_EXPORT = "report_export", _("Xuất báo cáo có tên người")
        QUARTERLY_RETURN = "quarterly_return", _("Xuất báo cáo quý")
        CITIZEN_ID = "citizen_id", _("Xem số CCCD đầy đủ")

    kind = models.CharField(_("việc"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người dùng"),
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150)
    # The reader's unit when they read (an account may move later): what scopes the log.
    reader_unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("đơn vị người đọc")
    )
    # Whose data: the unit of the report or list, the cell of the person.
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("đơn vị dữ liệu")
    )
    period = models.CharField(_("kỳ"), max_length=100, blank=True)
    object_id = models.PositiveBigIntegerField(_("mã hồ sơ"), null=True, blank=True)
    object_repr = models.CharField(_("hồ sơ"), max_length=200, blank=True)
    detail = models.CharField(_("chi tiết"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("số dòng"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)

    objects = ReadEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần đọc dữ liệu")
        verbose_name_plural = _("nhật ký đọc dữ liệu")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["reader_unit", "-at"], name="read_event_reader_at")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.username}"


# --- Accounts created together ------------------------------------------------------------------


class AccountBatch(models.Model):
    """Accounts created at once (a pasted list, or the sheet "Tài khoản" of an import). Their passwords
    are not set at creation: the first download of the batch's sheet sets temporary ones and shows them
    that once (units.accounts.batch_issue_credentials), so no password is ever stored in clear."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("tài khoản"))
    issued_at = models.DateTimeField(_("cấp mật khẩu lúc"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người cấp mật khẩu"),
    )

    class Meta:
        verbose_name = _("đợt tạo tài khoản")
        verbose_name_plural = _("đợt tạo tài khoản")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.source or str(self.pk)


# --- Recurring jobs ------------------------------------------------------------------------------


class ScheduledJob(models.Model):
    """A job that runs again and again (the housekeeping): the task queued for its next run, so that
    it is queued once however many workers start (units.jobs.schedule)."""

    name = models.CharField(_("tên"), max_length=100, unique=True)
    task_id = models.CharField(_("mã công việc"), max_length=64, blank=True)
    run_after = models.DateTimeField(_("chạy sau"), null=True, blank=True)

    class Meta:
        verbose_name = _("việc định kỳ")
        verbose_name_plural = _("việc định kỳ")

    def __str__(self):
        return self.name
