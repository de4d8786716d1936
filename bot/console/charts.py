"""Server-rendered SVG charts for the population view (no JavaScript, no external assets).

Each chart is an inline ``<svg role="img">`` with a ``<title>`` and ``<desc>``; the page
shows the same numbers in a table beside it. Colours come from classes in console.css
(presentation attributes only, no ``style``: the Content Security Policy allows no inline
styles). Every text is escaped here, because the result is marked safe for Jinja.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LABEL_WIDTH = 170
PLOT_WIDTH = 420
VALUE_WIDTH = 90
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 10
_ids = itertools.count(1)


@dataclass(frozen=True)
class Segment:
    css: str  # a class of console.css, e.g. "red"
    value: float
    text: str


def _frame(title: str, desc: str, rows: int, body: list[str], *, axis: str = "") -> Markup:
    number = next(_ids)
    height = TOP + rows * ROW_HEIGHT + (24 if axis else 10)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="chart-{number}-title chart-{number}-desc">'
        f'<title id="chart-{number}-title">{escape(title)}</title>'
        f'<desc id="chart-{number}-desc">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + axis + "</svg>")


def _label(y: float, text: str) -> str:
    return (
        f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT / 2 + 5:.1f}" '
        f'text-anchor="end">{escape(text)}</text>'
    )


def _value(y: float, text: str) -> str:
    return (
        f'<text class="chart-value" x="{LABEL_WIDTH + PLOT_WIDTH + 8}" '
        f'y="{y + BAR_HEIGHT / 2 + 5:.1f}">{escape(text)}</text>'
    )


def _axis(low: float, high: float, low_text: str, high_text: str, rows: int) -> str:
    y = TOP + rows * ROW_HEIGHT
    return (
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{y}" x2="{LABEL_WIDTH + PLOT_WIDTH}" '
        f'y2="{y}"/>'
        f'<text class="chart-tick" x="{LABEL_WIDTH}" y="{y + 16}">{escape(low_text)}</text>'
        f'<text class="chart-tick" x="{LABEL_WIDTH + PLOT_WIDTH}" y="{y + 16}" '
        f'text-anchor="end">{escape(high_text)}</text>'
    )


def bar_chart(
    title: str,
    desc: str,
    rows: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float,
    low_text: str = "0",
    high_text: str = "",
) -> Markup:
    """Horizontal bars: (label, value or None, value text) per row, scaled to ``maximum``."""
    body = []
    for index, (label, value, text) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        body.append(_label(y, label))
        if value is not None and maximum > 0:
            width = max(PLOT_WIDTH * min(value / maximum, 1.0), 1.0)
            body.append(
                f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT}"/>'
            )
        body.append(_value(y, text))
    axis = _axis(0, maximum, low_text, high_text or str(maximum), len(rows))
    return _frame(title, desc, len(rows), body, axis=axis)


def stacked_chart(
    title: str, desc: str, rows: Sequence[tuple[str, Sequence[Segment], str]]
) -> Markup:
    """100 % bars made of segments (e.g. the share of red, yellow and green results)."""
    body = []
    for index, (label, segments, text) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        body.append(_label(y, label))
        total = sum(segment.value for segment in segments)
        x = float(LABEL_WIDTH)
        for segment in segments:
            if total <= 0 or segment.value <= 0:
                continue
            width = PLOT_WIDTH * segment.value / total
            body.append(
                f'<rect class="chart-segment {escape(segment.css)}" x="{x:.1f}" y="{y}" '
                f'width="{width:.1f}" height="{BAR_HEIGHT}">'
                f"<title>{escape(segment.text)}</title></rect>"
            )
            x += width
        body.append(_value(y, text))
    axis = _axis(0, 100, "0 %", "100 %", len(rows))
    return _frame(title, desc, len(rows), body, axis=axis)


def box_chart(
    title: str,
    desc: str,
    rows: Sequence[tuple[str, tuple[float, float, float, float, float] | None, str]],
    *,
    low: float,
    high: float,
    bands: Sequence[tuple[float, float, str]] = (),
) -> Markup:
    """Box plots (minimum, lower quartile, median, upper quartile, maximum) per row on the
    scale ``low``–``high``, over faint background stripes for the score bands."""
    span = (high - low) or 1.0

    def x_of(value: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * (min(max(value, low), high) - low) / span

    body = []
    height = len(rows) * ROW_HEIGHT
    for band_low, band_high, css in bands:
        x1, x2 = x_of(band_low), x_of(min(band_high + 1, high) if band_high < high else high)
        body.append(
            f'<rect class="chart-band {escape(css)}" x="{x1:.1f}" y="{TOP - 4}" '
            f'width="{max(x2 - x1, 0):.1f}" height="{height}"/>'
        )
    for index, (label, stats, text) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        body.append(_label(y, label))
        if stats is not None:
            minimum, q1, median, q3, maximum = stats
            mid = y + BAR_HEIGHT / 2
            body.append(
                f'<line class="chart-whisker" x1="{x_of(minimum):.1f}" y1="{mid}" '
                f'x2="{x_of(maximum):.1f}" y2="{mid}"/>'
                f'<rect class="chart-box" x="{x_of(q1):.1f}" y="{y}" '
                f'width="{max(x_of(q3) - x_of(q1), 2):.1f}" height="{BAR_HEIGHT}"/>'
                f'<line class="chart-median" x1="{x_of(median):.1f}" y1="{y - 2}" '
                f'x2="{x_of(median):.1f}" y2="{y + BAR_HEIGHT + 2}"/>'
            )
        body.append(_value(y, text))
    axis = _axis(low, high, _number(low), _number(high), len(rows))
    return _frame(title, desc, len(rows), body, axis=axis)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
