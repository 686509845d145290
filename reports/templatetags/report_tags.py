from html import escape

from django import template
from django.utils.safestring import mark_safe

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
        _number(row.target), formatting.vn_int(row.admitted), formatting.vn_percent(row.ratio),
        _number(row.remaining), _number(row.projected), _number(row.members),
        formatting.vn_percent(row.member_share),
    )
    ratio_mark = ' data-testid="ratio"'
    cells = [f'<td class="text-end"{ratio_mark if index == 2 else ""}>{escape(value)}</td>'
             for index, value in enumerate(figures)]
    return mark_safe("".join(cells) + f"<td>{progress_bar(row.ratio)}</td>")
