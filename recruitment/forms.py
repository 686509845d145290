"""Forms for the browser flow. They only parse what was typed; every rule is in recruitment.services
and recruitment.pipeline, whose ValidationErrors the views attach next to the fields."""

import functools

from django import forms
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from units import paths
from units.formatting import mask_citizen_id
from units.forms import MAX_VERSION, MISSING_VERSION
from units.models import CELL_KINDS, Unit
from units.permissions import VIEW_CITIZEN_ID, allows
from units.text import xml_illegal

from . import education, pipeline
from .models import Candidate, Course
from .permissions import ADD_CANDIDATE, CHANGE_PROFILE, MANAGE_COURSE
from .services import FORMER_MEMBERSHIP_FIELDS, PROFILE_FIELDS

DATE_ERROR = _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 15/03/2024.")
LISTING_FIELDS = ("listed_on", "introduced_by", "mentor_name")


class DateInput(forms.DateInput):
    """Dates typed as dd/mm/yyyy: a text box with the numeric keypad on phones."""

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "autocomplete": "off", "maxlength": 10}
        super().__init__(attrs={**base, **(attrs or {})}, format="%d/%m/%Y")


class GeneralEducationField(forms.CharField):
    """General education as typed ("12 / 12", "9/12", "THCS", "Tốt nghiệp THPT"), read as the forms
    write it ("12/12"): the model keeps five characters, the box takes the words too."""

    def __init__(self, **kwargs):
        kwargs["max_length"] = 40
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "12/12")

    def to_python(self, value):
        try:
            return education.normalise(super().to_python(value))
        except education.NotAGrade as error:
            raise forms.ValidationError(str(error), code="invalid") from None


def candidate_fields(names):
    """Form fields for these Candidate fields, in this order, with dd/mm/yyyy dates."""
    fields = fields_for_model(Candidate, fields=names)
    for name, field in list(fields.items()):
        if isinstance(field, forms.DateField):
            field.widget = DateInput()
            field.error_messages["invalid"] = DATE_ERROR
        if name == "general_education":
            fields[name] = GeneralEducationField(label=field.label, help_text=field.help_text, required=False)
    return fields


def grouped_cells(field, cells):
    """Offer `cells` grouped under their parent unit, each with its code ("Chi bộ thôn 1 · A1-1"): a
    province has hundreds of "Chi bộ thôn 1". One query when the list is drawn (the parent's name and
    code come as subqueries on the path), none on a save; the select is searchable by name or code
    (static/js/app.js, data-searchable)."""

    @functools.cache
    def choices():
        parent = Unit.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - paths.STEPLEN))
        units = cells.only("pk", "path", "code", "name").annotate(
            parent_name=Subquery(parent.values("name")[:1]), parent_code=Subquery(parent.values("code")[:1])
        )
        groups = {}
        for cell in units:
            label = f"{cell.parent_name} · {cell.parent_code}" if cell.parent_name else ""
            groups.setdefault(label, []).append((cell.pk, f"{cell.name} · {cell.code}"))
        result = [("", "---------")]
        for label, options in groups.items():
            if label:
                result.append((label, options))
            else:  # cells at the root: no group
                result.extend(options)
        return result

    field.choices = choices
    field.widget.attrs["data-searchable"] = ""
    field.widget.attrs["data-search-placeholder"] = str(_("Tìm chi bộ theo tên hoặc mã"))


def style(form):
    """Bootstrap classes on every widget, so templates stay a loop over the fields; the cursor
    starts in the first box, so typing can begin at once."""
    for index, field in enumerate(form.fields.values()):
        if index == 0:
            field.widget.attrs["autofocus"] = True
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_version_field(form, record):
    """The version of `record` the form was shown, sent back so a save based on it can be refused
    when someone else saved meanwhile (optimistic locking; see units.audit)."""
    form.fields["version"] = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=MAX_VERSION, initial=record.version
    )


XML_ILLEGAL_ERROR = _("Có ký tự không hợp lệ (ký tự điều khiển hoặc ký tự ẩn); hãy gõ lại ô này.")


class XmlSafeMixin:
    """Refuse, next to its box, any text holding a character XML 1.0 cannot hold: one such character
    stored in a name would break every workbook and export that contains it."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str) and xml_illegal(value):
                self.add_error(name, XML_ILLEGAL_ERROR)
        return cleaned


class FoldedSectionMixin:
    """Fields most people leave alone (a former membership) folded into a section a secretary on a
    phone can skip; it opens when one of them holds a value or an error."""

    folded_fields = ()
    folded_title = ""

    def main_fields(self):
        return [field for field in self if field.name not in self.folded_fields]

    def folded(self):
        return [field for field in self if field.name in self.folded_fields]

    def folded_open(self):
        return any(field.errors or field.value() for field in self.folded())


class ServiceErrorsMixin:
    """Put a service's ValidationError next to the fields it names (the rest above the form)."""

    def clean(self):
        cleaned = super().clean()
        # A form that was shown a version must send it back: without it a stale save would go through.
        if "version" in self.fields and cleaned.get("version") is None and "version" not in self.errors:
            self.add_error(None, MISSING_VERSION)
        return cleaned

    def pop_version(self):
        """The version sent with the form (None when absent), removed from cleaned_data."""
        return self.cleaned_data.pop("version", None)

    def refuse_stale(self, error):
        """Show what changed meanwhile, and carry the current version so that saving again (after
        reading the message) is a deliberate overwrite."""
        self.add_error(None, error.messages)
        if error.current is not None and "version" in self.fields:
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = error.current.version

    def add_service_errors(self, error):
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class StepForm(XmlSafeMixin, FoldedSectionMixin, ServiceErrorsMixin, forms.Form):
    """The fields of one pipeline step (pipeline.STEPS[...].fields), pre-filled with what is recorded."""

    def __init__(self, *args, step, candidate, **kwargs):
        kwargs["initial"] = {**model_to_dict(candidate, fields=step.fields), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields.update(candidate_fields(step.fields))
        for name in step.required:
            self.fields[name].required = True
            if name in pipeline.REQUIRED_MESSAGES:
                self.fields[name].error_messages["required"] = pipeline.REQUIRED_MESSAGES[name]
        style(self)
        add_version_field(self, candidate)


FORMER_MEMBERSHIP_TITLE = _("Đã từng là đảng viên (kết nạp lại)")


class CandidateCreateForm(XmlSafeMixin, FoldedSectionMixin, ServiceErrorsMixin, forms.Form):
    """A new outstanding person: the profile and the listing step."""

    folded_fields = FORMER_MEMBERSHIP_FIELDS
    folded_title = FORMER_MEMBERSHIP_TITLE

    cell = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        label=_("Chi bộ"),
        error_messages={"invalid_choice": _("Chọn một chi bộ trong phạm vi của bạn.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        names = [name for name in PROFILE_FIELDS if name != "cell"] + list(LISTING_FIELDS)
        self.fields.update(candidate_fields(names))
        self.fields["listed_on"].required = True
        cells = Unit.objects.restrict(user, ADD_CANDIDATE).cells()
        self.fields["cell"].queryset = cells
        grouped_cells(self.fields["cell"], cells)
        if user.unit is not None and user.unit.is_cell:
            self.fields["cell"].initial = user.unit.pk
        self.order_fields(["full_name", "date_of_birth", "gender", "cell"])
        style(self)


class ProfileForm(XmlSafeMixin, FoldedSectionMixin, ServiceErrorsMixin, forms.Form):
    """Correct a person's profile (who they are and which cell they belong to)."""

    folded_fields = FORMER_MEMBERSHIP_FIELDS
    folded_title = FORMER_MEMBERSHIP_TITLE

    def __init__(self, *args, user, candidate, **kwargs):
        initial = model_to_dict(candidate, fields=PROFILE_FIELDS)
        # The full citizen ID only for those who may read it: the box is empty for everyone else (the
        # page shows them the last four digits), and an empty box keeps the number recorded.
        self.hides_citizen_id = bool(candidate.citizen_id) and not allows(user, VIEW_CITIZEN_ID, candidate.cell)
        if self.hides_citizen_id:
            initial.pop("citizen_id", None)
        kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields.update(candidate_fields(PROFILE_FIELDS))
        self.fields["cell"].queryset = Unit.objects.restrict(user, CHANGE_PROFILE).cells()
        grouped_cells(self.fields["cell"], self.fields["cell"].queryset)
        if self.hides_citizen_id:
            masked = mask_citizen_id(candidate.citizen_id)
            field = self.fields["citizen_id"]
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("Đã ghi số %(masked)s. Để trống để giữ nguyên số này.") % {"masked": masked}
        style(self)
        add_version_field(self, candidate)

    def clean(self):
        cleaned = super().clean()
        if self.hides_citizen_id and not self.cleaned_data.get("citizen_id"):
            self.cleaned_data.pop("citizen_id", None)  # left empty: the recorded number stays
        return cleaned


# --- Awareness courses and the pool review ------------------------------------------------------------


class CourseForm(XmlSafeMixin, forms.ModelForm):
    """A course's organiser (a unit of the user's that may open courses), number, dates and place."""

    class Meta:
        model = Course
        fields = ("organiser", "number", "start_date", "end_date", "place")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        error_messages = {
            "start_date": {"invalid": DATE_ERROR},
            "end_date": {"invalid": DATE_ERROR},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = (
            Unit.objects.restrict(user, MANAGE_COURSE).exclude(kind__in=CELL_KINDS).order_by("path")
        )
        add_version_field(self, self.instance)
        style(self)

    def pop_version(self):
        return self.cleaned_data.pop("version", None)


class CertificateIssueForm(XmlSafeMixin, forms.Form):
    """The register the certificates are numbered from: first number, what follows it, and the date."""

    first_number = forms.IntegerField(
        label=_("Cấp từ số"),
        min_value=1,
        max_value=10_000_000,
        error_messages={"invalid": _("Nhập một số nguyên."), "min_value": _("Số phải từ 1 trở lên.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    suffix = forms.CharField(
        label=_("Ký hiệu sau số"),
        max_length=30,
        required=False,
        help_text=_("Ví dụ: -GCN/TTCT (giấy số 125 thành 125-GCN/TTCT)."),
    )
    issued_on = forms.DateField(label=_("Ngày cấp"), widget=DateInput(), error_messages={"invalid": DATE_ERROR})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)
        self.fields["first_number"].widget.attrs.pop("autofocus", None)
