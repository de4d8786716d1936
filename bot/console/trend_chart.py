"""A score over time as an inline SVG line chart (the patient page's trends).

Same conventions as charts.py: ``role="img"`` with ``<title>`` and ``<desc>``, classes of
console.css instead of styles (the Content Security Policy allows none inline), every text
escaped here because the result is marked safe; the page has a table of the same numbers.
Occasions are spaced evenly, not by date: the labels give the dates, and answers days apart
stay readable beside answers months apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from markupsafe import Markup, escape

from bot.questionnaire.model import ScoringRule

LEFT = 48
PLOT_WIDTH = 520
PLOT_HEIGHT = 180
TOP = 12
BOTTOM = 40
_ids = itertools.count(1)


def trend_chart(
    title: str,
    desc: str,
    rule: ScoringRule,
    points: Sequence[tuple[str, float]],
) -> Markup:
    """(date label, value) per occasion, oldest first, on the score's own range with its
    bands as a coloured background."""
    number = next(_ids)
    width, height = LEFT + PLOT_WIDTH + 24, TOP + PLOT_HEIGHT + BOTTOM
    span = rule.max - rule.min or 1.0

    def y_of(value: float) -> float:
        fraction = min(max((value - rule.min) / span, 0.0), 1.0)
        return TOP + PLOT_HEIGHT * (1 - fraction)

    def x_of(index: int) -> float:
        if len(points) == 1:
            return LEFT + PLOT_WIDTH / 2
        return LEFT + PLOT_WIDTH * index / (len(points) - 1)

    body = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="trend-{number}-title trend-{number}-desc">'
        f'<title id="trend-{number}-title">{escape(title)}</title>'
        f'<desc id="trend-{number}-desc">{escape(desc)}</desc>'
    ]
    for band in rule.bands:
        top, bottom = y_of(min(band.max, rule.max)), y_of(max(band.min, rule.min))
        body.append(
            f'<rect class="chart-band {escape(band.triage)}" x="{LEFT}" y="{top:.1f}" '
            f'width="{PLOT_WIDTH}" height="{max(bottom - top, 1.0):.1f}"/>'
        )
    body.append(
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP + PLOT_HEIGHT}" '
        f'x2="{LEFT + PLOT_WIDTH}" y2="{TOP + PLOT_HEIGHT}"/>'
        f'<text class="chart-tick" x="{LEFT - 6}" y="{TOP + PLOT_HEIGHT}" '
        f'text-anchor="end">{_number(rule.min)}</text>'
        f'<text class="chart-tick" x="{LEFT - 6}" y="{TOP + 10}" '
        f'text-anchor="end">{_number(rule.max)}</text>'
    )
    path = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, (_, v) in enumerate(points))
    body.append(f'<polyline class="chart-line" points="{path}"/>')
    for index, (label, value) in enumerate(points):
        x, y = x_of(index), y_of(value)
        anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
        body.append(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
            f'<text class="chart-value" x="{x:.1f}" y="{max(y - 8, TOP + 10):.1f}" '
            f'text-anchor="{anchor}">{_number(value)}</text>'
            f'<text class="chart-tick" x="{x:.1f}" y="{TOP + PLOT_HEIGHT + 18}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    return Markup("".join(body) + "</svg>")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")
