"""Charts drawn on the server as inline SVG: no JavaScript library, nothing from a third-party host."""

import math
from dataclasses import dataclass

from django.template.loader import render_to_string

from units.formatting import vn_int

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 36


@dataclass
class CumulativeChart:
    year: int
    target: int | None
    cumulative: list  # admissions to the end of each month shown
    months_shown: int


def cumulative_chart(year, monthly, target, *, today):
    """Monthly cumulative admissions of `year` against the straight pace to `target`.

    Months after today are not drawn: the line stops where the year has got to.
    """
    if year < today.year:
        months_shown = 12
    elif year > today.year:
        months_shown = 0
    else:
        months_shown = today.month
    running, cumulative = 0, []
    for count in monthly[:months_shown]:
        running += count
        cumulative.append(running)
    return CumulativeChart(year, target, cumulative, months_shown)


def axis_ticks(highest):
    """Whole-number ticks from 0 on a round step (1, 2 or 5 × 10ⁿ), at most five, reaching `highest`:
    a cell's target of 2 gets 0, 1, 2, never "0, 0, 1, 2, 2"."""
    step = max(1, math.ceil(highest / 4))
    magnitude = 10 ** (len(str(step)) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= step)
    count = max(1, math.ceil(highest / step))
    return [step * i for i in range(count + 1)]


def render_cumulative_svg(chart, *, title, actual_label, pace_label):
    """The chart as an <svg> element (a string safe to put in a page)."""
    tick_values = axis_ticks(max([chart.target or 0, *chart.cumulative, 1]))
    top_value = tick_values[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(month):  # month 0 = 1 January, 12 = 31 December
        return round(LEFT + plot_w * month / 12, 1)

    def y(value):
        return round(TOP + plot_h * (1 - value / top_value), 1)

    actual = [(x(0), y(0))] + [(x(i + 1), y(v)) for i, v in enumerate(chart.cumulative)]
    pace = [(x(0), y(0)), (x(12), y(chart.target))] if chart.target else []
    ticks = [(y(value), vn_int(value)) for value in tick_values]
    months = [(x(i + 0.5), i + 1) for i in range(12)]
    return render_to_string(
        "reports/_cumulative_chart.svg",
        {
            "width": WIDTH,
            "height": HEIGHT,
            "left": LEFT,
            "right": WIDTH - RIGHT,
            "bottom": HEIGHT - BOTTOM,
            "top": TOP,
            "actual": " ".join(f"{px},{py}" for px, py in actual),
            "actual_points": actual[1:],
            "pace": " ".join(f"{px},{py}" for px, py in pace),
            "ticks": ticks,
            "months": months,
            "title": title,
            "actual_label": actual_label,
            "pace_label": pace_label,
            "last_value": vn_int(chart.cumulative[-1]) if chart.cumulative else "",
            "last_point": actual[-1],
            "target_value": vn_int(chart.target) if chart.target else "",
        },
    )
