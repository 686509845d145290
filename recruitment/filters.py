"""Filters of the candidate list (and of its Excel export, which uses the same ones)."""

import functools
from html import escape

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from units import paths
from units.models import Unit
from units.periods import EARLIEST_YEAR, LATEST_YEAR
from units.permissions import VIEW

from .models import Candidate, Ethnicity, Gender, Occupation
from .pipeline import Stage

YES_NO = (("true", _("Có")), ("false", _("Không")))


class PlainSelect(forms.Select):
    """A select rendered in Python rather than a template include per option: the list's filters
    have some 250 options and rendered them slower than the page's query took."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        # Plain strings with the standard library's escape: format_html() per option cost more than
        # the rest of the widget.
        options = "".join(
            f'<option value="{escape(str(option))}"{" selected" if str(option) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for option, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), mark_safe(options)
        )


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit):
        # Indented by depth so the select reads as the tree.
        return "\u00a0\u00a0" * max(unit.depth - 1, 0) + unit.name


class UnitFilter(django_filters.ModelChoiceFilter):
    field_class = UnitChoiceField


def unit_options(user, selected):
    """The units the select offers: the user's unit and its children, and, once a unit is chosen, the
    way down to it and its children. A province has 17,000 units: the select is a path down the tree,
    not the tree. Any unit in scope is still accepted (the field validates against the whole scope).
    One query."""
    if user.unit_id is not None:
        base = user.unit
        offered = Q(path=base.path) | Q(path__startswith=base.path, depth=base.depth + 1)
    else:  # a superuser without a unit: the roots and the level below
        offered = Q(depth__lte=2)
    if selected is not None:
        way_down = paths.ancestor_paths(selected.path)
        offered |= Q(path__in=way_down) | Q(path__startswith=selected.path, depth=selected.depth + 1)
    return Unit.objects.restrict(user, VIEW).filter(offered).order_by("path")


class CandidateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Tìm theo tên hoặc số CCCD"))
    unit = UnitFilter(
        queryset=Unit.objects.none(), method="filter_unit", label=_("Đơn vị"), empty_label=_("Tất cả đơn vị")
    )
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, method="filter_stage", label=_("Bước"), empty_label=_("Tất cả các bước")
    )
    year = YearFilter(
        field_name="decision_date",
        lookup_expr="year",
        label=_("Năm kết nạp"),
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
    )
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("Giới tính"), empty_label=_("Tất cả"))
    ethnicity = django_filters.ModelChoiceFilter(
        queryset=Ethnicity.objects.all(), label=_("Dân tộc"), empty_label=_("Tất cả")
    )
    occupation = django_filters.ChoiceFilter(
        choices=Occupation.choices, label=_("Nghề nghiệp"), empty_label=_("Tất cả")
    )
    youth_union_member = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_youth_union", label=_("Đoàn viên"), empty_label=_("Tất cả")
    )
    incomplete = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_incomplete", label=_("Hồ sơ chưa đầy đủ"), empty_label=_("Tất cả")
    )

    class Meta:
        model = Candidate
        fields: list = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["unit"].queryset = Unit.objects.restrict(user, VIEW)
        for field in self.form.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = PlainSelect(attrs=field.widget.attrs, choices=field.choices)
        # Lazily (the options depend on the unit chosen, known once the form is validated) and once.
        self.form.fields["unit"].widget.choices = functools.cache(lambda: self._unit_choices(user))
        for field in self.form.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
        self.form.fields["q"].widget.attrs.update(type="search", placeholder=_("vd. nguyen van an"))
        self.form.fields["year"].widget.attrs.update(inputmode="numeric", placeholder="2026")

    def _unit_choices(self, user):
        field = self.form.fields["unit"]
        chosen = self.form.cleaned_data.get("unit") if self.is_bound and self.form.is_valid() else None
        return [
            ("", field.empty_label),
            *((unit.pk, field.label_from_instance(unit)) for unit in unit_options(user, chosen)),
        ]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_unit(self, queryset, name, unit):
        # A unit means its whole subtree.
        return queryset.in_subtree(unit)

    def filter_stage(self, queryset, name, value):
        return queryset.at_stage(value)

    def filter_youth_union(self, queryset, name, value):
        return queryset.filter(youth_union_member=value == "true")

    def filter_incomplete(self, queryset, name, value):
        if value == "true":
            return queryset.incomplete()
        return queryset.exclude(pk__in=queryset.incomplete().values("pk"))
