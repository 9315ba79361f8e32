"""Dashboard charts: parse every SVG and check that what is drawn follows the data."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from app.sharing.charts import (
    ShareNode,
    bar_chart,
    downsample,
    line_chart,
    nice_ticks,
    stacked_bar_chart,
    tree_chart,
    truncate,
)

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & Tom\'s'
START = date(2026, 1, 1)


def yuan(cents: int) -> str:
    return f"¥{cents // 100}.{cents % 100:02d}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output; parsing it is the point)


def by_role(root: ET.Element, role: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("data-role") == role]


def texts(root: ET.Element, role: str) -> list[str]:
    return ["".join(element.itertext()) for element in by_role(root, role)]


def polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    (line,) = by_role(root, "line")
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


def days(values: list[int]) -> list[tuple[date, int]]:
    return [(START + timedelta(days=offset), value) for offset, value in enumerate(values)]


def family() -> ShareNode:
    return ShareNode(
        "Alice",
        visits=120,
        signups=10,
        buyers=3,
        children=[
            ShareNode("Bob", 30, 3, 1, [ShareNode("Dan", 5, 1, 0), ShareNode("Eve", 4, 0, 0)]),
            ShareNode("Carol", 12, 1, 0, [ShareNode("Fay", 2, 0, 0)]),
        ],
    )


CHARTS = {
    "line": lambda: line_chart(days([1, 5, 3]), title=HOSTILE),
    "line-empty": lambda: line_chart([], title=HOSTILE, empty_text="沒有數據"),
    "bar": lambda: bar_chart([("a", 1)], title=HOSTILE),
    "bar-empty": lambda: bar_chart([], title=HOSTILE, empty_text="沒有數據"),
    "stacked": lambda: stacked_bar_chart([("a", [1, 2])], series=["讚", "收藏"], title=HOSTILE),
    "stacked-empty": lambda: stacked_bar_chart([], series=["讚"], title=HOSTILE, empty_text="沒有數據"),
    "tree": lambda: tree_chart(family(), title=HOSTILE),
    "tree-empty": lambda: tree_chart(None, title=HOSTILE, empty_text="沒有數據"),
}


# --- every chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize("build", CHARTS.values(), ids=CHARTS.keys())
def test_every_chart_is_a_standalone_accessible_svg(build):
    svg = build()
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    width, height = float(root.get("width")), float(root.get("height"))
    assert width > 0 and height > 0
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert root.get("role") == "img"
    assert root.get("aria-label") == HOSTILE
    assert root[0].tag == f"{NS}title" and root[0].text == HOSTILE
    # Nothing to fetch or run: no links, scripts, foreign objects or event handlers.
    for element in root.iter():
        assert element.tag.rsplit("}", 1)[-1] not in {"script", "image", "use", "foreignObject", "a"}
        assert not any(name.startswith("on") or name.endswith("href") for name in element.attrib)
    assert "<script" not in svg and "url(" not in svg and "@import" not in svg
    assert "&lt;script&gt;" in svg


@pytest.mark.parametrize("name", [name for name in CHARTS if name.endswith("-empty")])
def test_empty_data_says_so_in_the_callers_words(name):
    root = parse(CHARTS[name]())
    assert texts(root, "empty") == ["沒有數據"]
    assert not by_role(root, "bar") and not by_role(root, "line") and not by_role(root, "node")


def test_characters_xml_cannot_carry_are_dropped_not_fatal():
    root = parse(bar_chart([("bad\x00name\x0b\ufffe", 5)], title="t\x01"))
    assert texts(root, "label") == ["badname"]
    assert root.get("aria-label") == "t"


# --- line chart ----------------------------------------------------------------------------------


def test_line_follows_the_data_left_to_right():
    values = [3, 9, 4, 12, 0, 7]
    root = parse(line_chart(days(values), title="fans"))
    points = polyline_points(root)
    assert len(points) == len(values) == len(by_role(root, "point"))
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    # SVG y grows downwards: ordering the points by height orders them by value, reversed.
    assert sorted(range(len(values)), key=lambda i: ys[i]) == sorted(range(len(values)), key=lambda i: -values[i])
    assert ys[values.index(0)] == max(ys)


def test_dates_are_placed_by_time_and_sorted():
    shuffled = [(START + timedelta(days=10), 5), (START, 1), (START + timedelta(days=1), 2)]
    points = polyline_points(parse(line_chart(shuffled, title="fans")))
    (x0, _), (x1, _), (x10, _) = points
    assert x1 - x0 == pytest.approx((x10 - x0) / 10)


def test_y_ticks_are_nice_round_numbers_covering_the_data():
    root = parse(line_chart(days([0, 130, 1234, 987]), title="fans"))
    ticks = [int(text.replace(",", "")) for text in texts(root, "y-tick")]
    assert ticks[0] == 0 and ticks[-1] >= 1234
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    step = steps.pop()
    assert step / 10 ** math.floor(math.log10(step)) in (1, 2, 5)
    assert texts(root, "y-tick")[-1] == f"{ticks[-1]:,}"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 0, [0, 1]),
        (0, 7, [0, 2, 4, 6, 8]),
        (0, 1234, [0, 500, 1000, 1500]),
        (-30, 80, [-50, 0, 50, 100]),
        (0, 3, [0, 1, 2, 3]),
    ],
)
def test_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == expected


def test_date_labels_are_thinned_to_fit_and_include_both_ends():
    root = parse(line_chart(days(list(range(365))), title="fans", width=640))
    labels = by_role(root, "x-label")
    assert 3 <= len(labels) <= 12
    xs = [float(label.get("x")) for label in labels]
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) >= 40  # "MM-DD" needs ~35 px
    assert labels[0].text == "01-01" and labels[-1].text == "12-31"
    assert all(0 <= x <= 640 for x in xs)


def test_a_single_day_is_drawn_in_the_middle():
    root = parse(line_chart([(START, 42)], title="fans"))
    ((x, _),) = polyline_points(root)
    assert x == pytest.approx((56 + 624) / 2)  # the plot spans x 56..624 in a 640-wide chart
    assert texts(root, "x-label") == ["01-01"]


def test_thousands_of_points_are_downsampled_keeping_ends_and_spikes():
    values = [1000 + (i % 7) for i in range(5000)]
    values[2345] = 90_000
    svg = line_chart(days(values), title="views")
    root = parse(svg)
    points = polyline_points(root)
    assert 100 <= len(points) <= 320
    assert not by_role(root, "point")  # no markers at this density
    xs = [x for x, _ in points]
    assert xs == sorted(xs) and xs[0] == pytest.approx(56) and xs[-1] == pytest.approx(624)
    assert len(svg) < 40_000
    # The spike survives: the highest drawn point is near the top of the plot.
    assert min(y for _, y in points) < 60


def test_downsample_keeps_a_spike_and_both_ends():
    series = [(float(i), 0.0) for i in range(1000)]
    series[500] = (500.0, 1.0)
    kept = downsample(series, 50)
    assert len(kept) == 50 and kept[0] == series[0] and kept[-1] == series[-1] and (500.0, 1.0) in kept
    assert downsample(series[:10], 50) == series[:10]


# --- bars ----------------------------------------------------------------------------------------


def test_longest_bar_is_the_largest_value_and_lengths_are_proportional():
    items = [("Note one", 1230), ("Note two", 4920), ("Note three", 0), ("Note four", 2460)]
    root = parse(bar_chart(items, title="commission", value_format=yuan))
    bars = by_role(root, "bar")
    widths = [float(bar.get("width")) for bar in bars]
    assert [int(bar.get("data-value")) for bar in bars] == [1230, 4920, 0, 2460]
    assert widths.index(max(widths)) == 1
    assert widths[2] == 0
    assert widths[3] == pytest.approx(widths[1] / 2, abs=0.2)
    assert widths[0] == pytest.approx(widths[1] / 4, abs=0.2)
    assert texts(root, "value") == ["¥12.30", "¥49.20", "¥0.00", "¥24.60"]
    rows = [float(bar.get("y")) for bar in bars]
    assert rows == sorted(rows)  # drawn in the order given


def test_long_labels_are_truncated_with_the_full_text_in_a_tooltip():
    long_title = "秋冬必備！這件羊絨大衣真的絕了超級保暖又顯瘦"
    root = parse(bar_chart([(long_title, 5), ("short", 3)], title="views", label_units=20))
    labels = texts(root, "label")
    assert labels[0].endswith("…") and long_title.startswith(labels[0][:-1]) and len(labels[0]) <= 10
    assert labels[1] == "short"
    (first_row, _) = by_role(root, "row")
    assert first_row.find(f"{NS}title").text.startswith(long_title)


def test_escaping_keeps_names_as_text():
    root = parse(bar_chart([(HOSTILE, 5), ("A & B", 2)], title="x", label_units=80))
    assert texts(root, "label") == [HOSTILE, "A & B"]


def test_more_items_than_fit_are_counted():
    items = [(f"note {i}", 100 - i) for i in range(30)]
    root = parse(bar_chart(items, title="views", max_items=10, more_text="還有 {count} 篇"))
    assert len(by_role(root, "bar")) == 10
    assert texts(root, "more") == ["還有 20 篇"]


def test_stacked_bars_have_one_segment_per_series_and_totals():
    items = [("A", [10, 5, 1]), ("B", [2, 30, 0])]
    root = parse(stacked_bar_chart(items, series=["讚", "收藏", "評論"], title="engagement"))
    assert texts(root, "legend") == ["讚", "收藏", "評論"]
    rows = by_role(root, "row")
    assert [row.get("data-total") for row in rows] == ["16", "32"]
    segments = [[bar for bar in row.iter() if bar.get("data-role") == "bar"] for row in rows]
    assert [len(row) for row in segments] == [3, 3]
    lengths = [sum(float(bar.get("width")) for bar in row) for row in segments]
    assert lengths[0] == pytest.approx(lengths[1] / 2, abs=0.2)
    # Segments sit end to end.
    first = segments[0]
    for left, right in zip(first, first[1:], strict=False):
        assert float(left.get("x")) + float(left.get("width")) == pytest.approx(float(right.get("x")), abs=0.1)
    assert first[1].find(f"{NS}title").text == "收藏: 5"


# --- share tree ----------------------------------------------------------------------------------


def node_boxes(root: ET.Element, role: str = "node") -> dict[str, tuple[float, float, ET.Element]]:
    boxes = {}
    for group in by_role(root, role):
        rect = group.find(f"{NS}rect")
        boxes[group.get("data-node")] = (float(rect.get("x")), float(rect.get("y")), group)
    return boxes


def test_tree_draws_every_person_and_every_edge_parent_to_child():
    root = parse(tree_chart(family(), title="spread", legend="visits · sign-ups · buyers"))
    boxes = node_boxes(root)
    labels = {box[2].get("data-node"): "".join(box[2].find(f"{NS}text").itertext()) for box in boxes.values()}
    assert sorted(labels.values()) == ["Alice", "Bob", "Carol", "Dan", "Eve", "Fay"]
    edges = [(edge.get("data-from"), edge.get("data-to")) for edge in by_role(root, "edge")]
    named = {(labels[parent], labels[child]) for parent, child in edges}
    assert named == {("Alice", "Bob"), ("Alice", "Carol"), ("Bob", "Dan"), ("Bob", "Eve"), ("Carol", "Fay")}
    for parent, child in edges:
        (parent_x, _, parent_group), (child_x, _y, child_group) = boxes[parent], boxes[child]
        assert child_x > parent_x
        assert int(child_group.get("data-depth")) == int(parent_group.get("data-depth")) + 1
    # A parent sits between its children, and no two boxes share a row within a column.
    by_label = {labels[key]: box for key, box in boxes.items()}
    assert by_label["Dan"][1] < by_label["Bob"][1] < by_label["Eve"][1]
    positions = [(x, y) for x, y, _ in boxes.values()]
    assert len(set(positions)) == len(positions)
    assert texts(root, "stats")[0] == "120 · 10 · 3"
    assert texts(root, "legend") == ["visits · sign-ups · buyers"]
    assert by_label["Bob"][2].get("data-buyers") == "1"


def test_tree_shows_at_most_n_nodes_and_counts_the_rest():
    people = ShareNode(
        "root", children=[ShareNode(f"f{i}", children=[ShareNode(f"f{i}-{j}") for j in range(5)]) for i in range(10)]
    )
    total = 1 + 10 + 50
    root = parse(tree_chart(people, title="spread", max_nodes=15, more_text="+{count} more"))
    assert len(by_role(root, "node")) == 15
    hidden = [int(re.fullmatch(r"\+(\d+) more", text).group(1)) for text in texts(root, "more")]
    assert sum(hidden) == total - 15
    shown = {"".join(group.find(f"{NS}text").itertext()) for group in by_role(root, "node")}
    assert {f"f{i}" for i in range(10)} <= shown  # breadth first: the sharer's own friends come first


def test_tree_escapes_labels():
    root = parse(tree_chart(ShareNode(HOSTILE, children=[ShareNode("A & B")]), title="t"))
    names = ["".join(group.find(f"{NS}title").itertext()) for group in by_role(root, "node")]
    assert names[0].startswith(HOSTILE) and names[1].startswith("A & B")


def test_tree_survives_cycles_and_very_deep_chains():
    alice, bob = ShareNode("alice"), ShareNode("bob")
    alice.children.append(bob)
    bob.children.append(alice)  # bad data must not hang the dashboard
    assert len(by_role(parse(tree_chart(alice, title="t")), "node")) == 2

    head = node = ShareNode("n0")
    for depth in range(1, 5000):
        child = ShareNode(f"n{depth}")
        node.children.append(child)
        node = child
    root = parse(tree_chart(head, title="t", max_nodes=20))
    assert len(by_role(root, "node")) == 20
    assert texts(root, "more") == ["+4980 more"]


def test_truncate_counts_wide_characters_double():
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdefg", 6) == "abcde…"
    assert truncate("種草種草", 8) == "種草種草"
    assert truncate("種草種草種", 8) == "種草種…"
    assert truncate("  spaced \n out ", 20) == "spaced out"
