"""Forms for the browser flow. They only parse what was typed; every rule is in recruitment.services
and recruitment.pipeline, whose ValidationErrors the views attach next to the fields."""

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from .models import Candidate
from .permissions import ADD_CANDIDATE, CHANGE_PROFILE
from .services import PROFILE_FIELDS

DATE_ERROR = _("Nhập ngày theo dạng dd/mm/yyyy, ví dụ 15/03/2024.")
LISTING_FIELDS = ("listed_on", "introduced_by", "mentor_name")


class DateInput(forms.DateInput):
    """Dates typed as dd/mm/yyyy: a text box with the numeric keypad on phones."""

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "placeholder": "dd/mm/yyyy", "autocomplete": "off", "maxlength": 10}
        super().__init__(attrs={**base, **(attrs or {})}, format="%d/%m/%Y")


def candidate_fields(names):
    """Form fields for these Candidate fields, in this order, with dd/mm/yyyy dates."""
    fields = fields_for_model(Candidate, fields=names)
    for field in fields.values():
        if isinstance(field, forms.DateField):
            field.widget = DateInput()
            field.error_messages["invalid"] = DATE_ERROR
    return fields


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
        widget=forms.HiddenInput, required=False, min_value=0, initial=record.version
    )


class ServiceErrorsMixin:
    """Put a service's ValidationError next to the fields it names (the rest above the form)."""

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


class StepForm(ServiceErrorsMixin, forms.Form):
    """The fields of one pipeline step (pipeline.STEPS[...].fields), pre-filled with what is recorded."""

    def __init__(self, *args, step, candidate, **kwargs):
        kwargs["initial"] = {**model_to_dict(candidate, fields=step.fields), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields.update(candidate_fields(step.fields))
        for name in step.required:
            self.fields[name].required = True
        style(self)
        add_version_field(self, candidate)


class CandidateCreateForm(ServiceErrorsMixin, forms.Form):
    """A new outstanding person: the profile and the listing step."""

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
        if user.unit is not None and user.unit.is_cell:
            self.fields["cell"].initial = user.unit.pk
        self.order_fields(["full_name", "date_of_birth", "gender", "cell"])
        style(self)


class ProfileForm(ServiceErrorsMixin, forms.Form):
    """Correct a person's profile (who they are and which cell they belong to)."""

    def __init__(self, *args, user, candidate, **kwargs):
        kwargs["initial"] = {**model_to_dict(candidate, fields=PROFILE_FIELDS), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        self.fields.update(candidate_fields(PROFILE_FIELDS))
        self.fields["cell"].queryset = Unit.objects.restrict(user, CHANGE_PROFILE).cells()
        style(self)
        add_version_field(self, candidate)
