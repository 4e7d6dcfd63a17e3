"""The fingerprint slip (密钥指纹回执): what a school prints, stamps and hands to the county so that the county
can confirm the key of the school's first package (or of the first after a key reset) against paper, not
against anything the package or the program shows it."""

from __future__ import annotations

from dataclasses import dataclass

from .layout import A4_WIDTH_MM, Box, Line, Page, Text

LEFT = 20.0
WIDTH = A4_WIDTH_MM - 2 * LEFT
TITLE = "学籍数据包签名密钥指纹回执"


@dataclass(frozen=True)
class SlipInfo:
    school_code: str
    school_name: str
    fingerprint: str          # the school's signing key, five groups of four
    county_name: str = ""
    county_fingerprint: str = ""  # the county signing key this school accepted from its init package
    printed_at: str = ""


def key_slip(info: SlipInfo) -> Page:
    page = Page()
    y = 25.0
    page.add(Text(LEFT, y, WIDTH, 12, TITLE, size=18, font="sans", align="center"))
    y += 18
    rows = [("学校标识码", info.school_code), ("学校名称", info.school_name),
            ("本校签名密钥指纹", info.fingerprint),
            ("本校接受的县级密钥指纹",
             f"{info.county_name} {info.county_fingerprint}".strip() or "（尚未载入初始化包）"),
            ("打印时间", info.printed_at)]
    label_w = 55.0
    for label, value in rows:
        tall = label == "本校签名密钥指纹"
        h = 18.0 if tall else 11.0
        page.add(Box(LEFT, y, WIDTH, h), Line(LEFT + label_w, y, LEFT + label_w, y + h),
                 Text(LEFT, y, label_w, h, label, size=11, font="sans"),
                 Text(LEFT + label_w, y, WIDTH - label_w, h, value, size=20 if tall else 11,
                      font="sans" if tall else "serif", fit="single"))
        y += h
    y += 8
    notes = ("县级在导入本校第一个数据包（或重置本校密钥后的第一个数据包）时，须把上面“本校签名密钥指纹”"
             "逐组输入核对，一致才会登记。请勿把本回执交给送数据包的人以外的渠道传递；回执与数据包最好分开送达"
             "（如回执盖章后当面交、数据包用 U 盘），或由县级电话向学校核对。",
             "“本校接受的县级密钥指纹”应与县级公布或电话告知的一致；不一致时请勿上报，立即与县级联系。")
    for note in notes:
        page.add(Text(LEFT, y, WIDTH, 22, note, size=10.5))
        y += 24
    y += 6
    for label in ("学校经办人签字：", "学校盖章：", "县级核对人签字 / 日期："):
        page.add(Text(LEFT, y, WIDTH, 10, label, size=11))
        y += 18
    return page
