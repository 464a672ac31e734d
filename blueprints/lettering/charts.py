"""Server-side SVG charts (stacked bars and lines) for the console: no JavaScript, and each
chart carries a <title>/<desc> and the data table it was drawn from (templates/lettering/_chart.html)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36


@dataclass
class Series:
    name: str
    label: str
    values: list[int | None]       # None: no value for that period (a rate without calls), drawn as a gap


@dataclass
class Chart:
    id: str
    kind: str                      # bar (stacked) | group (side by side) | line
    title: str
    desc: str
    x_labels: list[str]            # one per day, shown every ``label_step``
    series: list[Series]
    y_max: int = 1
    y_ticks: list[tuple[float, int]] = field(default_factory=list)   # (y, value)
    bars: list[dict] = field(default_factory=list)                   # stacked rectangles
    lines: list[dict] = field(default_factory=list)                  # polylines with their points
    label_step: int = 1
    label_xs: list[float] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_bottom: int = HEIGHT - BOTTOM
    left: int = LEFT
    unit: str = ""                 # "%" for rates: no total row (a sum of rates means nothing)

    @property
    def rows(self) -> list[tuple[str, list[int]]]:
        """The data table: one row per day, one column per series."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.x_labels)]


def nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def build(chart_id: str, kind: str, title: str, x_labels: list[str], series: list[Series], desc: str = "",
          unit: str = "") -> Chart:
    n = len(x_labels)
    tallest = max((sum(s.values[i] or 0 for s in series) if kind == "bar"
                   else max((s.values[i] or 0 for s in series), default=0))
                  for i in range(n)) if n and series else 0
    y_max = 100 if unit == "%" else nice_max(tallest)
    chart = Chart(chart_id, kind, title, desc or _describe(title, series, unit), x_labels, series, y_max=y_max,
                  label_step=max(1, math.ceil(n / 8)), unit=unit)
    plot_h = HEIGHT - TOP - BOTTOM
    band = (WIDTH - LEFT - RIGHT) / max(n, 1)

    def y_of(value: float) -> float:
        return round(HEIGHT - BOTTOM - value / chart.y_max * plot_h, 1)

    chart.label_xs = [round(LEFT + i * band + band / 2, 1) for i in range(n)]
    chart.y_ticks = [(y_of(v), v) for v in (0, chart.y_max // 2 if chart.y_max >= 2 else 0, chart.y_max)]
    chart.y_ticks = list(dict.fromkeys(chart.y_ticks))
    if kind == "bar":
        for i in range(n):
            base = 0
            for k, s in enumerate(series):
                value = s.values[i]
                if value:
                    top = y_of(base + value)
                    chart.bars.append({"x": round(LEFT + i * band + band * 0.15, 1), "y": top,
                                       "w": round(band * 0.7, 1), "h": round(y_of(base) - top, 1),
                                       "series": k, "label": f"{x_labels[i]} {s.label}: {value}"})
                base += value
    elif kind == "group":
        width = band * 0.8 / max(len(series), 1)
        for i in range(n):
            for k, s in enumerate(series):
                value = s.values[i]
                if value:
                    top = y_of(value)
                    chart.bars.append({"x": round(LEFT + i * band + band * 0.1 + k * width, 1), "y": top,
                                       "w": round(width, 1), "h": round(y_of(0) - top, 1),
                                       "series": k, "label": f"{x_labels[i]} {s.label}: {value}"})
    else:
        for k, s in enumerate(series):
            points = [(round(LEFT + i * band + band / 2, 1), y_of(v), f"{x_labels[i]} {s.label}: {v}{unit}")
                      for i, v in enumerate(s.values) if v is not None]
            chart.lines.append({"series": k, "points": points,
                                "path": " ".join(f"{x},{y}" for x, y, _ in points)})
    return chart


def _describe(title: str, series: list[Series], unit: str = "") -> str:
    if unit:
        last = gettext("마지막 값")
        return f"{title}: " + ", ".join(
            f"{s.label} {last} {next((v for v in reversed(s.values) if v is not None), '–')}{unit}" for s in series)
    total = gettext("합계")
    return f"{title}: " + ", ".join(f"{s.label} {total} {sum(v or 0 for v in s.values)}" for s in series)
