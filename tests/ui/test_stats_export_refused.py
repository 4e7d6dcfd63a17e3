"""A statistics export the disk refuses (here: a folder that does not exist) is a message, not a traceback."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_stats_export_to_a_missing_folder_shows_the_refusal(qtbot, demo_store, tmp_path, message_boxes):
    from xueji_desktop.ui.stats_page import StatsPage

    page = StatsPage(demo_store)
    qtbot.addWidget(page)
    target = tmp_path / "没有这个文件夹" / "统计.xlsx"
    assert page.export(str(target)) is None
    assert not target.parent.exists()
    assert [kind for kind, _ in message_boxes] == ["warning"] and "不存在" in message_boxes[0][1]
    assert page.export(str(tmp_path / "统计.xlsx")) == str(tmp_path / "统计.xlsx")
