"""统计 charts are legible: dark value labels above every bar (a bar of 6 among 360 still shows its number),
round axis ticks (0, 100, 200 … never 103, 206)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.mark.parametrize(("largest", "step", "top"), [(0, 1, 1), (3, 1, 4), (34, 10, 40), (360, 100, 500),
                                                      (1234, 500, 1500)])
def test_nice_scale_gives_round_steps_with_room_for_the_label(largest, step, top):
    from xueji_desktop.ui.stats_page import nice_scale

    assert nice_scale(largest) == (step, top)


def test_bar_charts_have_dark_outside_labels_and_round_ticks(qtbot, demo_store):
    from PySide6.QtCharts import QAbstractBarSeries, QValueAxis

    from xueji_desktop.ui.stats_page import StatsPage

    page = StatsPage(demo_store)
    qtbot.addWidget(page)
    page.show()
    bar_charts = [v.chart() for v in page.charts if isinstance(v.chart().series()[0], QAbstractBarSeries)]
    assert len(bar_charts) == 3
    for chart in bar_charts:
        series = chart.series()[0]
        assert series.isLabelsVisible()
        assert series.labelsPosition() == QAbstractBarSeries.LabelsOutsideEnd
        for bar_set in series.barSets():
            assert bar_set.labelColor().lightness() < 80  # not white on the white background
        [axis] = [a for a in chart.axes() if isinstance(a, QValueAxis)]
        step = axis.tickInterval()
        assert axis.tickType() == QValueAxis.TicksDynamic and step >= 1
        assert str(int(step)).strip("0") in ("1", "2", "5")  # 1, 2, 5 × 10^k
        assert axis.max() % step == 0
        largest = max(v for s in series.barSets() for v in (s.at(i) for i in range(s.count())))
        assert axis.max() > largest
