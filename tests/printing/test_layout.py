"""The Qt-free page model: what the collection form and roster contain."""

from __future__ import annotations

from xueji_desktop.masking import mask_id, mask_phone
from xueji_desktop.printing.form import FILL_HINT, FormHeader, build_form, form_items
from xueji_desktop.printing.layout import Image, Text
from xueji_desktop.printing.roster import RosterHeader, build_roster, roster_row

from .conftest import LONG_CURRENT, special_student


def test_form_has_items_1_to_37_with_stars_from_the_spec():
    items = form_items()
    assert sorted(items) == list(range(1, 38))
    assert items[1].paper_label == "姓名★" and items[2].paper_label == "曾用名"
    assert items[23].paper_label == "身份证号★" and items[23].member == 0 and items[32].member == 1
    assert items[36].paper_label == "残疾类型"  # conditionally required: no star on the paper form
    page = build_form(None)
    texts = page.texts()
    for number in range(1, 38):
        assert str(number) in texts
    assert "学生个人基础信息" in texts and "学生家庭成员或监护人信息二" in texts
    assert any("特殊教育学生信息" in t for t in texts) and "注：带★为必采信息项。" in texts


def test_form_prints_option_names_not_codes_and_hints_missing_required_items():
    record = special_student()
    record["_class_name"] = "小学2026级(1)班"
    record["class_code"] = "2026101"
    record["grade"] = "11"
    header = FormHeader("双塔西街小学", "2114010068", "小学2026级(1)班", "2026101", "王老师")
    texts = build_form(record, header, b"jpeg-bytes").texts()
    expected = ["欧阳玥珺", record["id_number"], "女" if record["gender"] == "2" else "男", "中国", "单亲留守儿童",
                "听力残疾", "听力残疾随班就读", "其他（舅舅）", "小学2026级(1)班", "一年级", LONG_CURRENT,
                "双塔西街小学"]
    for value in expected:
        assert value in texts, value
    assert "CHN" not in texts and "2026101" not in texts[texts.index("13") + 1:]
    # member 2 has no phone (item 35 ★): the parent sees a 请填写 hint; nothing else is missing
    assert texts.count(FILL_HINT) == 1


def test_photo_box_holds_the_photo_or_stays_empty():
    with_photo = build_form({"name": "张三"}, photo=b"\xff\xd8jpeg")
    assert [i.data for i in with_photo.items if isinstance(i, Image)] == [b"\xff\xd8jpeg"]
    without = build_form({"name": "张三"})
    assert not [i for i in without.items if isinstance(i, Image)] and "照片" in without.texts()


def test_blank_form_has_no_values_and_no_hints():
    page = build_form(None, FormHeader("双塔西街小学", "2114010068"))
    texts = page.texts()
    assert FILL_HINT not in texts
    assert "双塔西街小学" in texts  # the school may print its name on blank forms
    assert all(t.color == "#000000" or t.text.startswith(("照片", "26mm")) for t in page.items if isinstance(t, Text))


def test_everything_stays_on_the_a4_page_even_with_four_longest_addresses():
    record = special_student()
    longest = ("山西省太原市迎泽区双塔西街" * 20)[:180]
    record["current_address"] = record["household_address"] = longest
    for member in record["members"]:
        member["household_address"] = longest
    page = build_form(record)
    tall = [t for t in page.items if isinstance(t, Text) and t.text == longest]
    assert len(tall) == 4 and all(t.h > 12 for t in tall)  # the address rows grew into the page's slack
    for item in page.items:
        x, y = getattr(item, "x", getattr(item, "x1", 0)), getattr(item, "y", getattr(item, "y1", 0))
        w, h = getattr(item, "w", 0), getattr(item, "h", 0)
        assert 5 <= x and x + w <= page.width - 5 and 5 <= y and y + h <= page.height - 5, item


def test_masking_hides_the_middle_digits():
    assert mask_id("14010620150307123X") == "140106********123X"
    assert mask_id("H12345678") == "H1*****78"
    assert mask_id("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0351-4041234") == "0351-*****34"


def test_roster_rows_and_pages():
    record = special_student()
    row = roster_row(record, mask=False)
    assert row[0] == "欧阳玥珺" and row[3] == record["id_number"] and row[4].endswith("（其他）")
    masked = roster_row(record, mask=True)
    assert record["id_number"] not in masked and masked[3] == mask_id(record["id_number"])
    assert masked[5] == mask_phone(record["members"][0]["phone"])
    pages = build_roster([record] * 60, RosterHeader("双塔西街小学", "小学2026级(1)班", "2026101"))
    assert len(pages) == 3
    assert "第 3 页 / 共 3 页" in pages[2].texts() and "60" in pages[2].texts()
