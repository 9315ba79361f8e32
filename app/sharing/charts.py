"""Creator dashboard charts as standalone SVG strings. Pure: no Flask, no database, no JavaScript.

Every string a user could have typed (note titles, display names) and every caller-supplied text
(titles, legends, already translated) goes through ``_text``/``_attr``, so the SVG can be inlined
into a page. Nothing is fetched: no fonts, images or stylesheets, only a small inline style.
Elements carry ``data-role`` attributes for tests and styling hooks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape  # nosec B406  # escapes the text we write into SVG; parses no XML

FONT_STACK = "'Noto Sans CJK SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei',sans-serif"
STYLE = (
    f"text{{font-family:{FONT_STACK};font-size:12px;fill:#555}}"
    ".t{font-size:14px;font-weight:600;fill:#222}.v{fill:#222}.n{font-size:11px;fill:#888}"
)
ACCENT = "#ff2442"
PALETTE = ("#ff2442", "#ffa940", "#36cfc9", "#597ef7", "#9254de")
GRID = "#eeeeee"
TITLE_SPACE = 30

# Characters XML 1.0 cannot carry at all; a display name containing one would break the document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _text(value: object) -> str:
    return escape(_clean(value))


def _attr(value: object) -> str:
    return escape(_clean(value), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _units(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def truncate(label: str, max_units: int) -> str:
    """Cut ``label`` to ``max_units`` (a CJK character counts two) with an ellipsis when cut."""
    label = " ".join(_clean(label).split())
    if sum(_units(char) for char in label) <= max_units:
        return label
    kept, used = [], 1  # the ellipsis takes one unit
    for char in label:
        used += _units(char)
        if used > max_units:
            break
        kept.append(char)
    return "".join(kept).rstrip() + "…"


def thousands(value: int) -> str:
    return f"{value:,}"


def _svg(kind: str, width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_attr(title)}" data-chart="{kind}">'
        f"<title>{_text(title)}</title><style>{STYLE}</style>"
        f'<text class="t" x="0" y="18" data-role="heading">{_text(title)}</text>' + "".join(body) + "</svg>"
    )


def empty_chart(kind: str, *, title: str, empty_text: str, width: int = 640, height: int = 120) -> str:
    body = [
        f'<rect x="0.5" y="{TITLE_SPACE}.5" width="{width - 1}" height="{height - TITLE_SPACE - 1}" rx="8" '
        f'fill="#fafafa" stroke="{GRID}"/>',
        f'<text x="{width / 2:g}" y="{(height + TITLE_SPACE) / 2 + 4:g}" text-anchor="middle" '
        f'data-role="empty">{_text(empty_text)}</text>',
    ]
    return _svg(kind, width, height, title, body)


# --- line chart ----------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, max_ticks: int = 5) -> list[int]:
    """Whole-number ticks at 1, 2 or 5 times a power of ten, covering ``low``..``high``."""
    if high <= low:
        high = low + 1
    raw_step = (high - low) / max(1, max_ticks - 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    step = max(1, int(round(step)))
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    return list(range(int(start), int(end) + step, step))


def downsample(points: Sequence[tuple[float, float]], limit: int) -> list[tuple[float, float]]:
    """Largest-triangle-three-buckets: ``limit`` points that keep the line's shape, ends included."""
    if limit < 3 or len(points) <= limit:
        return list(points)
    kept = [points[0]]
    bucket = (len(points) - 2) / (limit - 2)
    previous = points[0]
    for index in range(limit - 2):
        start, end = int(index * bucket) + 1, int((index + 1) * bucket) + 1
        following = points[end : int((index + 2) * bucket) + 1] or [points[-1]]
        average_x = sum(x for x, _ in following) / len(following)
        average_y = sum(y for _, y in following) / len(following)
        chosen = max(
            points[start:end],
            key=lambda p: abs(
                (previous[0] - average_x) * (p[1] - previous[1]) - (previous[0] - p[0]) * (average_y - previous[1])
            ),
        )
        kept.append(chosen)
        previous = chosen
    kept.append(points[-1])
    return kept


def line_chart(
    points: Sequence[tuple[date, int]],
    *,
    title: str,
    empty_text: str = "No data yet",
    width: int = 640,
    height: int = 220,
    tick_format: Callable[[int], str] = thousands,
    date_format: str | None = None,
) -> str:
    """A line over time (fans, views); dates are placed by time, so gaps in the data show as gaps."""
    by_day = dict(sorted(points))  # one value per day, the last one given
    if not by_day:
        return empty_chart("line", title=title, empty_text=empty_text, width=width)
    left, right, top, bottom = 56, width - 16, TITLE_SPACE + 10, height - 28
    plot_width, plot_height = right - left, bottom - top
    series = downsample([(day.toordinal(), value) for day, value in by_day.items()], max(3, plot_width // 2))
    first_day, last_day = series[0][0], series[-1][0]
    values = [value for _, value in series]
    ticks = nice_ticks(min(0, min(values)), max(values))
    low, high = ticks[0], ticks[-1]

    def x_of(ordinal: float) -> float:
        return (
            (left + right) / 2
            if last_day == first_day
            else left + (ordinal - first_day) / (last_day - first_day) * plot_width
        )

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_height

    body = []
    for tick in ticks:
        y = _num(y_of(tick))
        body.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="{GRID}"/>')
        body.append(
            f'<text x="{left - 8}" y="{y}" dy="4" text-anchor="end" data-role="y-tick">'
            f"{_text(tick_format(tick))}</text>"
        )
    coordinates = " ".join(f"{_num(x_of(x))},{_num(y_of(y))}" for x, y in series)
    baseline = _num(y_of(max(low, 0)))
    area = f"{_num(x_of(first_day))},{baseline} {coordinates} {_num(x_of(last_day))},{baseline}"
    body.append(f'<polygon points="{area}" fill="{ACCENT}" fill-opacity="0.08" data-role="area"/>')
    body.append(
        f'<polyline points="{coordinates}" fill="none" stroke="{ACCENT}" stroke-width="2" '
        f'stroke-linejoin="round" data-role="line"/>'
    )
    if len(series) <= 60:
        for x, y in series:
            label = f"{date.fromordinal(int(x)).isoformat()}: {tick_format(int(y))}"
            body.append(
                f'<circle cx="{_num(x_of(x))}" cy="{_num(y_of(y))}" r="3" fill="#fff" stroke="{ACCENT}" '
                f'stroke-width="2" data-role="point"><title>{_text(label)}</title></circle>'
            )
    body.extend(_date_labels(series, x_of, date_format, plot_width, y=height - 8))
    return _svg("line", width, height, title, body)


def _date_labels(series, x_of, date_format: str | None, plot_width: float, *, y: float) -> list[str]:
    first, last = series[0][0], series[-1][0]
    fmt = date_format or ("%Y-%m" if last - first > 400 else "%m-%d")
    sample = date.fromordinal(int(first)).strftime(fmt)
    fits = max(1, int(plot_width // (len(sample) * 7 + 24)))
    count = min(fits, int(last - first) + 1)
    # Evenly spaced in time (a time axis needs no data on the day it labels), first and last day included.
    ordinals = [first] if count == 1 else [round(first + (last - first) * i / (count - 1)) for i in range(count)]
    ordinals = list(dict.fromkeys(ordinals))
    labels = []
    for position, ordinal in enumerate(ordinals):
        text = date.fromordinal(int(ordinal)).strftime(fmt)
        # The outermost labels align inwards so they never spill over the edge of the chart.
        anchor = "middle"
        if len(ordinals) > 1 and position in (0, len(ordinals) - 1):
            anchor = "start" if position == 0 else "end"
        labels.append(
            f'<text x="{_num(x_of(ordinal))}" y="{y}" text-anchor="{anchor}" data-role="x-label">{_text(text)}</text>'
        )
    return labels


# --- bar charts ----------------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    value_format: Callable[[int], str] = thousands,
    empty_text: str = "No data yet",
    more_text: str = "+{count} more",
    width: int = 640,
    max_items: int = 12,
    label_units: int = 20,
) -> str:
    """Horizontal bars in the order given (sort before calling); bar length is proportional to value."""
    return stacked_bar_chart(
        [(label, [value]) for label, value in items],
        series=[],
        title=title,
        value_format=value_format,
        empty_text=empty_text,
        more_text=more_text,
        width=width,
        max_items=max_items,
        label_units=label_units,
        kind="bar",
    )


def stacked_bar_chart(
    items: Sequence[tuple[str, Sequence[int]]],
    *,
    series: Sequence[str],
    title: str,
    value_format: Callable[[int], str] = thousands,
    empty_text: str = "No data yet",
    more_text: str = "+{count} more",
    width: int = 640,
    max_items: int = 12,
    label_units: int = 20,
    kind: str = "stacked-bar",
) -> str:
    """One horizontal bar per item made of one segment per series (likes, collects, comments…)."""
    if not items:
        return empty_chart(kind, title=title, empty_text=empty_text, width=width)
    shown, hidden = list(items[:max_items]), len(items) - max_items
    row, bar = 28, 18
    legend_space = 24 if series else 0
    top = TITLE_SPACE + legend_space + 4
    label_width = label_units * 7 + 12
    value_width = 88
    bar_left, bar_space = label_width, max(40, width - label_width - value_width)
    totals = [sum(max(0, value) for value in values) for _, values in shown]
    largest = max(totals) or 1
    height = top + row * len(shown) + (22 if hidden > 0 else 0) + 6

    body = []
    x = 0
    for index, name in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        body.append(
            f'<rect x="{x}" y="{TITLE_SPACE + 4}" width="10" height="10" rx="2" fill="{colour}" '
            f'data-role="legend-key"/>'
            f'<text x="{x + 14}" y="{TITLE_SPACE + 13}" data-role="legend">{_text(truncate(name, 16))}</text>'
        )
        x += 28 + min(16, sum(_units(c) for c in name)) * 7
    for position, ((label, values), total) in enumerate(zip(shown, totals, strict=True)):
        y = top + position * row
        body.append(
            f'<g data-role="row" data-total="{total}"><title>{_text(label)}: {_text(value_format(total))}</title>'
        )
        body.append(
            f'<text x="{label_width - 10}" y="{y + bar / 2 + 4}" text-anchor="end" data-role="label">'
            f"{_text(truncate(label, label_units))}</text>"
        )
        offset = 0.0
        for index, value in enumerate(values):
            length = max(0, value) / largest * bar_space
            colour = PALETTE[index % len(PALETTE)]
            name = series[index] if index < len(series) else ""
            tooltip = f"<title>{_text(name)}: {_text(value_format(value))}</title>" if name else ""
            body.append(
                f'<rect x="{_num(bar_left + offset)}" y="{y}" width="{_num(length)}" height="{bar}" rx="3" '
                f'fill="{colour}" data-role="bar" data-value="{int(value)}">{tooltip}</rect>'
            )
            offset += length
        body.append(
            f'<text class="v" x="{_num(bar_left + offset + 6)}" y="{y + bar / 2 + 4}" data-role="value">'
            f"{_text(value_format(total))}</text></g>"
        )
    if hidden > 0:
        body.append(
            f'<text class="n" x="{label_width - 10}" y="{height - 10}" text-anchor="end" data-role="more">'
            f"{_text(more_text.format(count=hidden))}</text>"
        )
    return _svg(kind, width, height, title, body)


# --- share tree (裂變) ---------------------------------------------------------------------------


@dataclass
class ShareNode:
    """One sharer in a share's spread: who they brought (children) and what it led to."""

    label: str
    visits: int = 0
    signups: int = 0
    buyers: int = 0
    children: list[ShareNode] = field(default_factory=list)


@dataclass
class _Placed:
    node: ShareNode | None  # None: the "+k more" stand-in for hidden children
    depth: int
    hidden: int = 0
    children: list[_Placed] = field(default_factory=list)
    row: float = 0.0
    number: int = 0


def _default_stats(node: ShareNode) -> str:
    return f"{node.visits:,} · {node.signups:,} · {node.buyers:,}"


def tree_chart(
    root: ShareNode | None,
    *,
    title: str,
    empty_text: str = "No shares yet",
    more_text: str = "+{count} more",
    legend: str | None = None,
    stats_format: Callable[[ShareNode], str] = _default_stats,
    max_nodes: int = 40,
) -> str:
    """Left-to-right tree: the sharer on the left, each person they brought to the right of them.

    The first ``max_nodes`` in breadth-first order are drawn (the people closest to the sharer);
    each drawn node whose children are not all drawn gets one "+k more" box counting everyone
    hidden below it. ``legend`` (translated) explains ``stats_format``, e.g. "visits · sign-ups · buyers".
    """
    if root is None:
        return empty_chart("tree", title=title, empty_text=empty_text)
    placed_root, placed = _select(root, max(1, min(max_nodes, 500)))
    column, box_width, row, box_height = 190, 160, 52, 40
    top = TITLE_SPACE + 8
    rows = _assign_rows(placed_root)
    depth = max(item.depth for item in placed)
    width = (depth + 1) * column - (column - box_width) + 2
    legend_space = 24 if legend else 0
    height = top + rows * row + legend_space

    def box_of(item: _Placed) -> tuple[float, float]:
        return 1 + item.depth * column, top + item.row * row

    edges, boxes = [], []
    for item in placed:
        x, y = box_of(item)
        for child in item.children:
            child_x, child_y = box_of(child)
            start_x, start_y, end_y = x + box_width, y + box_height / 2, child_y + box_height / 2
            middle = (start_x + child_x) / 2
            edges.append(
                f'<path d="M{_num(start_x)} {_num(start_y)} C{_num(middle)} {_num(start_y)} {_num(middle)} '
                f'{_num(end_y)} {_num(child_x)} {_num(end_y)}" fill="none" stroke="#d9d9d9" stroke-width="1.5" '
                f'data-role="edge" data-from="{item.number}" data-to="{child.number}"/>'
            )
        boxes.append(_node_box(item, x, y, box_width, box_height, more_text, stats_format))
    body = edges + boxes
    if legend:
        body.append(f'<text class="n" x="1" y="{height - 8}" data-role="legend">{_text(legend)}</text>')
    return _svg("tree", max(width, 320), height, title, body)


def _node_box(item: _Placed, x: float, y: float, width: int, height: int, more_text: str, stats_format) -> str:
    where = f'data-node="{item.number}" data-depth="{item.depth}"'
    if item.node is None:
        text = more_text.format(count=item.hidden)
        return (
            f'<g data-role="more" {where}><rect x="{_num(x)}" y="{_num(y)}" width="{width}" height="{height}" rx="8" '
            f'fill="#fafafa" stroke="#d9d9d9" stroke-dasharray="4 3"/>'
            f'<text class="n" x="{_num(x + 10)}" y="{_num(y + 25)}">{_text(text)}</text></g>'
        )
    node = item.node
    stats = stats_format(node)
    fill = "#fff0f2" if item.depth == 0 else "#ffffff"
    stroke = ACCENT if node.buyers > 0 else "#d9d9d9"
    return (
        f'<g data-role="node" {where} data-buyers="{int(node.buyers)}">'
        f"<title>{_text(node.label)} · {_text(stats)}</title>"
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{width}" height="{height}" rx="8" fill="{fill}" stroke="{stroke}"/>'
        f'<text class="v" x="{_num(x + 10)}" y="{_num(y + 17)}" data-role="label">'
        f"{_text(truncate(node.label, 20))}</text>"
        f'<text class="n" x="{_num(x + 10)}" y="{_num(y + 32)}" data-role="stats">{_text(stats)}</text></g>'
    )


def _select(root: ShareNode, max_nodes: int) -> tuple[_Placed, list[_Placed]]:
    """Breadth-first, up to ``max_nodes``; a node met twice (a cycle in bad data) is drawn once."""
    seen = {id(root)}
    placed_root = _Placed(root, 0)
    placed, queue = [placed_root], [placed_root]
    stand_ins = []
    for item in queue:  # grows while iterating: a breadth-first walk
        hidden = []
        for child in item.node.children:
            if id(child) in seen:
                continue
            seen.add(id(child))
            if len(placed) < max_nodes:
                placed_child = _Placed(child, item.depth + 1)
                item.children.append(placed_child)
                placed.append(placed_child)
                queue.append(placed_child)
            else:
                hidden.append(child)
        if hidden:
            stand_in = _Placed(None, item.depth + 1, hidden=_count(hidden, seen))
            item.children.append(stand_in)
            stand_ins.append(stand_in)
    everything = placed + stand_ins
    for number, item in enumerate(everything):
        item.number = number
    return placed_root, everything


def _count(nodes: list[ShareNode], seen: set[int]) -> int:
    """How many people are in these subtrees, marking them seen so nobody is counted twice."""
    total, stack = 0, list(nodes)
    while stack:
        node = stack.pop()
        total += 1
        for child in node.children:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return total


def _assign_rows(root: _Placed) -> int:
    """Leaves take successive rows; a parent sits midway between its first and last child."""
    next_row = 0
    stack: list[tuple[_Placed, bool]] = [(root, False)]
    while stack:
        item, children_done = stack.pop()
        if not item.children:
            item.row = next_row
            next_row += 1
        elif children_done:
            item.row = (item.children[0].row + item.children[-1].row) / 2
        else:
            stack.append((item, True))
            stack.extend((child, False) for child in reversed(item.children))
    return next_row
