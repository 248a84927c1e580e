"""The shared SVG charts: valid XML, accessible, escaped, deterministic, gaps for missing months."""

from xml.dom import minidom

from django.utils.safestring import SafeString

from kpo.core.charts import Series, bar_chart_svg, histogram_bins, histogram_svg, kpi_chart_svg

SVG_NS = "http://www.w3.org/2000/svg"


def _parse(svg: str):
    return minidom.parseString(str(svg)).documentElement  # noqa: S318 - our own output


def test_kpi_chart_is_accessible_svg_with_dashed_target():
    svg = kpi_chart_svg(
        [Series("On time", [("Jan", 97.0), ("Feb", 93.5), ("Mar", 96.0)])],
        target=95.0,
        y_range=(80, 100),
        unit="%",
        title="On-time delivery",
    )
    assert isinstance(svg, SafeString)
    root = _parse(svg)
    assert root.getAttribute("role") == "img"
    title_id, desc_id = root.getAttribute("aria-labelledby").split()
    titles = {t.getAttribute("id"): t for t in root.getElementsByTagName("title") if t.getAttribute("id")}
    assert titles[title_id].firstChild.data == "On-time delivery"
    desc = [d for d in root.getElementsByTagName("desc") if d.getAttribute("id") == desc_id][0]
    assert "Feb 93.5%" in desc.firstChild.data and "95.0%" in desc.firstChild.data
    target = [
        line for line in root.getElementsByTagName("line") if line.getAttribute("class") == "kpo-chart-target"
    ]
    assert len(target) == 1 and target[0].getAttribute("stroke-dasharray")
    # One point per value, the point below target drawn hollow.
    circles = root.getElementsByTagName("circle")
    assert len(circles) == 3
    assert circles[1].getAttribute("fill") == "#ffffff"


def test_missing_month_breaks_the_line():
    svg = kpi_chart_svg([("A", [("Jan", 1.0), ("Feb", 2.0), ("Mar", None), ("Apr", 3.0), ("May", 4.0)])])
    root = _parse(svg)
    assert len(root.getElementsByTagName("polyline")) == 2
    assert len(root.getElementsByTagName("circle")) == 4
    assert "Mar no data" in root.getElementsByTagName("desc")[0].firstChild.data


def test_text_is_escaped():
    svg = kpi_chart_svg([('<script>alert("x")</script>', [("<b>", 1.0)])], title="A & B <i>")
    assert "<script>" not in svg and "<b>" not in svg
    root = _parse(svg)  # still well-formed
    assert root.getElementsByTagName("title")[0].firstChild.data == "A & B <i>"


def test_output_is_deterministic():
    args = ([("A", [("Jan", 1.0), ("Feb", 2.0)])],)
    assert kpi_chart_svg(*args, target=1.5) == kpi_chart_svg(*args, target=1.5)
    assert kpi_chart_svg(*args, target=1.5) != kpi_chart_svg(*args, target=1.6)


def test_empty_chart_says_no_data():
    svg = kpi_chart_svg([("A", [])])
    assert "No data for this period" in svg
    _parse(svg)


def test_bar_chart_and_histogram():
    bars = _parse(bar_chart_svg([("Jan", 10), ("Feb", 25), ("Mar", None)], target=20, title="Volume"))
    assert len(bars.getElementsByTagName("rect")) == 2
    assert histogram_bins([1, 2, 5, 8, 30, 50, 100], [0, 4, 8, 24, 48]) == [2, 1, 1, 3]
    hist = _parse(histogram_svg([1, 2, 5, 100], edges=[0, 4, 8, 24], unit="h", title="Turnaround"))
    assert len(hist.getElementsByTagName("rect")) == 3
    assert "≥8h: 1" in hist.getElementsByTagName("desc")[0].firstChild.data
