"""Forms of the unit pages."""
from django import forms
from django.utils.translation import gettext_lazy as _


class ChildTargetsForm(forms.Form):
    """The year's admissions target of each unit directly below one unit: one number per child."""

    def __init__(self, *args, children, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[self.field_name(child)] = forms.IntegerField(
                label=child.name, required=False, min_value=0, max_value=1_000_000,
                initial=targets.get(child.pk),
                widget=forms.NumberInput(attrs={"class": "form-control text-end", "inputmode": "numeric"}),
                error_messages={
                    "invalid": _("Nhập một số nguyên."),
                    "min_value": _("Chỉ tiêu không thể âm."),
                    "max_value": _("Chỉ tiêu quá lớn."),
                },
            )

    @staticmethod
    def field_name(unit):
        return f"unit_{unit.pk}"

    def rows(self):
        return [(child, self[self.field_name(child)]) for child in self.children]

    def changed_targets(self):
        """(child, admissions) for each child whose box holds a number."""
        return [
            (child, self.cleaned_data[self.field_name(child)]) for child in self.children
            if self.cleaned_data.get(self.field_name(child)) is not None
        ]
