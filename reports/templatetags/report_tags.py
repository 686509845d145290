from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from units import formatting
from units.templatetags.vn_format import progress_bar

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (counts per category or stage)."""
    return mapping.get(key) if mapping else None


def _number(value):
    return formatting.vn_int(value) or "—"


@register.simple_tag
def progress_cells(row):
    """The figures of a progress row as table cells: target, admitted, ratio, remaining, projected,
    members, admissions per member, and the bar. Built as plain strings: a province's report has
    140 rows of eight cells, and a template variable with two filters (or format_html) per cell
    was most of the page's rendering. The values are numbers formatted here, escaped all the same."""
    figures = (
        _number(row.target),
        formatting.vn_int(row.admitted),
        formatting.vn_percent(row.ratio),
        _number(row.remaining),
        _number(row.projected),
        _number(row.members),
        formatting.vn_percent(row.member_share),
    )
    ratio_mark = ' data-testid="ratio"'
    cells = [
        f'<td class="text-end"{ratio_mark if index == 2 else ""}>{escape(value)}</td>'
        for index, value in enumerate(figures)
    ]
    return mark_safe("".join(cells) + f"<td>{progress_bar(row.ratio)}</td>")


@register.simple_tag
def progress_row(row):
    """A unit's row of the progress report: code, name linking one level down (`row.url`), a badge
    below 50% or above the target, then `progress_cells`. Built in Python as Django's admin builds
    its change list rows: a province's report has 140 of them."""
    tone, badge = "", ""
    if row.is_low:
        label = gettext("Dưới 50%")  # (outside the f-string, where makemessages would not see it)
        tone, badge = "table-danger", f' <span class="badge text-bg-danger">{escape(label)}</span>'
    elif row.is_high:
        label = gettext("Vượt kế hoạch")
        tone, badge = "table-success", f' <span class="badge text-bg-success">{escape(label)}</span>'
    code = escape(row.unit.code)
    return mark_safe(
        f'<tr class="{tone}" data-unit="{code}"><td>{code}</td>'
        f'<td class="wrap report-unit-name"><a href="{escape(row.url)}">{escape(row.unit.name)}</a>{badge}</td>'
        f"{progress_cells(row)}</tr>"
    )
