from html import escape

from django import template
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
    """A bar for the share of a target reached (None: no target). A tag built as a plain string, not
    an included template: a province's report draws one per committee. Only numbers go in."""
    if ratio is None:
        return mark_safe('<span class="text-muted small">—</span>')
    percent = round(ratio * 100)
    tone = "bg-danger" if ratio < 0.5 else "bg-success" if ratio >= 1 else "bg-warning text-dark"
    return mark_safe(
        f'<div class="progress progress-ratio" role="progressbar" aria-valuenow="{percent}" aria-valuemin="0" '
        f'aria-valuemax="100"><div class="progress-bar {tone}" style="width: {percent}%">'
        f"{escape(formatting.vn_percent(ratio))}</div></div>"
    )
