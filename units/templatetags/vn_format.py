from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from units import formatting

register = template.Library()


@register.filter
def vn_int(value):
    return formatting.vn_int(value)


@register.filter
def vn_percent(value, places=1):
    return formatting.vn_percent(value, int(places))


@register.filter
def vn_decimal(value, places=1):
    return formatting.vn_decimal(value, int(places))


@register.simple_tag
def progress_bar(ratio):
    """A bar for the share of a target reached (None: no target). A tag, not an included template:
    a province's report draws one per committee, and an include costs a template render each."""
    if ratio is None:
        return mark_safe('<span class="text-muted small">—</span>')
    percent = round(ratio * 100)
    tone = "bg-danger" if ratio < 0.5 else "bg-success" if ratio >= 1 else "bg-warning text-dark"
    return format_html(
        '<div class="progress progress-ratio" role="progressbar" aria-valuenow="{}" aria-valuemin="0" '
        'aria-valuemax="100"><div class="progress-bar {}" style="width: {}%">{}</div></div>',
        percent, tone, percent, formatting.vn_percent(ratio),
    )
