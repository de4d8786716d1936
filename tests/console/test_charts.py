"""Server-rendered SVG charts (bot/console/charts.py)."""

from __future__ import annotations

import re

from bot.console.charts import Segment, bar_chart, box_chart, stacked_chart


def test_charts_escape_and_scale() -> None:
    bar = str(bar_chart("T<", "D&", [("<a>", 50.0, "50 %"), ("b", None, "–")], maximum=100))
    assert "&lt;a&gt;" in bar and "<a>" not in bar and "T&lt;" in bar and "D&amp;" in bar
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]*width="([\d.]+)"', bar)]
    assert widths == [210.0]  # half of the plot width
    stacked = str(
        stacked_chart("t", "d", [("g", [Segment("red", 1, "1"), Segment("green", 3, "3")], "")])
    )
    assert [
        float(w)
        for w in re.findall(r'chart-segment [a-z]+" x="[\d.]+" y="\d+" width="([\d.]+)"', stacked)
    ] == [105.0, 315.0]
    box = str(box_chart("t", "d", [("g", (0, 10, 20, 30, 100), "")], low=0, high=100,
                        bands=[(0, 35, "red"), (36, 50, "yellow"), (51, 100, "green")]))  # fmt: skip
    assert box.count("chart-band") == 3 and "chart-median" in box
