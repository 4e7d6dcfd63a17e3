"""Build-time script: subset Noto CJK (Debian fonts-noto-cjk, SIL OFL 1.1) into the two fonts the printouts embed.

Run once when the character set changes (needs ``pip install fonttools``; not needed at run time)::

    python resources/fonts/build_fonts.py

- ``XuejiSerifSC-Regular.otf`` (form text and values): Noto Serif CJK SC Regular cut to ASCII, GB 2312, the whole
  CJK Unified Ideographs block U+4E00-U+9FA5 (so rare characters in names and addresses print) and every
  character of ``resources/spec/fields.toml``.
- ``XuejiSansSC-Bold.otf`` (title and headings): Noto Sans CJK SC Bold cut to ASCII + GB 2312 + fields.toml.

Why subset: the full collection is ~20 MB per weight. Why rename the family: so a system-installed full Noto
CJK never shadows ours and every machine renders the same glyphs (Noto declares no Reserved Font Name, so the
OFL allows renamed modified versions). Why drop compatibility/radical code points: in the full font U+2F63 (⽣)
and U+751F (生) share one glyph, and a PDF writer that maps glyphs back to text may pick the radical, which
breaks copy/paste and text search in the PDF.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
NOTO = Path("/usr/share/fonts/opentype/noto")
SC_INDEX = 2  # face order in the Noto CJK .ttc files: JP, KR, SC, TC, HK
EXTRA = "·•・—–‘’“”…、。，；：？！（）《》【】〔〕「」『』★☆□√×±℃№ー"


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def base_chars() -> set[str]:
    spec = (HERE.parent / "spec" / "fields.toml").read_text("utf-8")
    return ({chr(c) for c in range(0x20, 0x7F)} | gb2312_chars() | set(EXTRA)
            | {c for c in spec if ord(c) > 0x7F and not c.isspace()})


def build(src: Path, out: Path, family: str, style: str, chars: set[str]) -> None:
    font = TTFont(src, fontNumber=SC_INDEX)
    options = subset.Options()
    options.layout_features = []  # horizontal set text only: no vertical forms, no locl
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright, licence and licence URL
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    names = font["name"]
    postscript = family.replace(" ", "") + "-" + style
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(family, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (2, 17):
            names.setName(style, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(f"{family} {style}", 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6):
            names.setName(postscript, record.nameID, record.platformID, record.platEncID, record.langID)
    if "CFF " in font:  # the CFF table carries its own font name
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
    font.save(out)
    print(f"{out.name}: {len(chars)} characters, {out.stat().st_size / 1e6:.1f} MB")


def main() -> int:
    chars = base_chars()
    build(NOTO / "NotoSerifCJK-Regular.ttc", HERE / "XuejiSerifSC-Regular.otf", "Xueji Serif SC", "Regular",
          chars | {chr(c) for c in range(0x4E00, 0x9FA6)})
    build(NOTO / "NotoSansCJK-Bold.ttc", HERE / "XuejiSansSC-Bold.otf", "Xueji Sans SC", "Bold", chars)
    return 0


if __name__ == "__main__":
    sys.exit(main())
