"""Fixtures for the printing tests: a QApplication before anything draws (pytest-qt owns it), pdf tools."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _qt_app(qapp):
    # The renderer would start a bare QGuiApplication for the CLI; in tests pytest-qt's QApplication must come first.
    return qapp


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def pdf_pages_text(pdf: Path) -> list[str]:
    """Text of each page (pdftotext separates pages with form feeds)."""
    out = subprocess.run([_need("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = out.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_count(pdf: Path) -> int:
    out = subprocess.run([_need("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def render_page_gray(pdf: Path, page: int, tmp_path: Path, dpi: int = 60, mode: str = "L"):
    """The page as a grayscale (or ``mode``) Pillow image (via pdftoppm)."""
    from PIL import Image

    prefix = tmp_path / f"page{page}"
    subprocess.run([_need("pdftoppm"), "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert(mode)


LONG_CURRENT = ("山西省太原市迎泽区双塔西街街道办事处郝庄镇南坪头村东沟巷小区西区第十八栋楼三单元十二层一二零三号房间"
                "（靠近郝庄小学东门对面的邮政储蓄银行楼上）")
LONG_HOUSEHOLD = "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇额尔敦路与天骄北路交叉口东北角金地华府小区A座2单元1801室"


def special_student() -> dict:
    """A held-out kind of record: rare name characters, long addresses, disability fields, relation 其他."""
    from xueji_desktop.demo import demo_classes, make_student

    record = make_student(random.Random(8), demo_classes()[0])
    record.update(name="欧阳玥珺", former_name="欧阳小珺", current_address=LONG_CURRENT,
                  household_address=LONG_HOUSEHOLD, is_disabled="1", disability_type="2", special_ed_mode="2",
                  left_behind="1")
    record["members"][0].update(relation="9", relation_note="舅舅", household_address=LONG_HOUSEHOLD,
                                employer="鄂尔多斯市伊金霍洛旗阿勒腾席热镇人民政府农业农村综合服务中心")
    del record["members"][1]["phone"]
    return record
