"""First run: create a school from the county's init package through the dialogs, then log in."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_first_run_creates_school_from_init_package(qtbot, tmp_path, monkeypatch, message_boxes):
    from PySide6.QtWidgets import QDialog, QFileDialog

    from tests.exchange.helpers import new_county
    from xueji_desktop.county.schools import add_school, make_init_packages
    from xueji_desktop.school import get_school_profile
    from xueji_desktop.ui import login
    from xueji_desktop.ui.login import FirstRunDialog, LoginDialog

    county = new_county(tmp_path / "county.xjdb")
    add_school(county, "2114010077", "迎泽实验小学", "140106002000")
    [package] = make_init_packages(county, ["2114010077"], tmp_path / "init")
    county.close()
    target = tmp_path / "school.xjdb"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(package), ""))

    def fill_and_accept(dialog):
        dialog.user.setText("clerk")
        dialog.password.setText("school-pass")
        dialog._create()
        return QDialog.Accepted if dialog.result() == QDialog.Accepted else QDialog.Rejected

    monkeypatch.setattr(login.CreateSchoolDialog, "exec", fill_and_accept)
    first = FirstRunDialog(target)
    qtbot.addWidget(first)
    first._choose(FirstRunDialog.INIT_PACKAGE)
    assert first.result() == QDialog.Accepted and first.chosen_path == target
    assert any("指纹" in text for _kind, text in message_boxes)

    dialog = LoginDialog(target, "clerk")
    qtbot.addWidget(dialog)
    dialog.password_edit.setText("school-pass")
    dialog.try_login()
    assert dialog.store is not None
    assert get_school_profile(dialog.store)["name"] == "迎泽实验小学"
    dialog.store.close()
