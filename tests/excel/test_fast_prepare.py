"""The import workers' column-wise fast path (excel/fastprep.py) gives exactly the rows of the exact path.

Reference: ``importer.prepare_row`` on every row (read_cells → normalize_row → validate_student →
merge_issues → JSON), compared with ``importer._prepare_chunk`` as the workers run it: the same Prepared
tuples, JSON strings byte for byte. Rows come from the demo generator (few and many errors) and are then
messed up cell by cell the way real sheets are (blanks, numbers, dates, damaged IDs, codes, 同上…).
"""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueji_desktop.demo import DEMO_SCHOOL, demo_classes, generate_records
from xueji_desktop.excel import fastprep, importer, rows
from xueji_desktop.excel.columns import columns
from xueji_desktop.excel.template import record_row
from xueji_desktop.school import ClassInfo, class_code, class_name

TODAY = date.today()
COLUMNS = columns()
INDEX = {c.path: j for j, c in enumerate(COLUMNS)}


def _classes() -> list[ClassInfo]:
    """The demo school's classes as the store lists them; 小学 of the oldest year is left out (unknown class)."""
    demo = demo_classes(TODAY, classes_per_grade=3)
    return [ClassInfo(i, class_code(c.entry_year, c.stage, c.number), class_name(c.entry_year, c.stage, c.number),
                      c.stage, c.entry_year, c.number) for i, c in enumerate(demo[:-3], start=1)]


def _start(order: list[int] | None = None) -> None:
    """A worker's state for the template's columns (in ``order``: sheet column j holds template column order[j])."""
    layout = {j: COLUMNS[k] for j, k in enumerate(order or range(len(COLUMNS)))}
    importer._init_worker(layout, _classes(), TODAY)


def _demo(count: int, seed: int, error_rate: float) -> list[list]:
    classes = demo_classes(TODAY, classes_per_grade=3)
    return [record_row(r, DEMO_SCHOOL["code"], class_name(c.entry_year, c.stage, c.number))
            for c, r in generate_records(count, seed=seed, classes=classes, error_rate=error_rate)]


def assert_same(cells_rows: list[list], *, first_row: int = 2) -> int:
    """Both paths over the rows (one chunk); returns how many the fast path took itself."""
    chunk = [(first_row + i, list(cells)) for i, cells in enumerate(cells_rows)]
    exact = [p for p in (importer.prepare_row(r, list(cells)) for r, cells in chunk) if p is not None]
    fast = importer._prepare_chunk(chunk)
    assert len(fast) == len(exact)
    for got, want in zip(fast, exact, strict=True):
        assert got == want  # tuples of str/int/None, JSON text compared byte for byte
    return len(importer._STATE["fast"].prepare(chunk, lambda r, cells: None))


@pytest.mark.parametrize("error_rate", [0.02, 0.5])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_demo_rows_same_on_both_paths(seed, error_rate):
    _start()
    data = _demo(300, seed, error_rate)
    taken = assert_same(data)
    assert taken > 0  # the fast path is exercised, not just bypassed
    if error_rate > 0.1:
        assert taken < len(data) * 0.75  # …and spoiled rows do go the exact way


def test_small_memos_same_on_both_paths(monkeypatch):
    """Memos that fill up: columns of values that never repeat stop using theirs (names, IDs, phones)."""
    monkeypatch.setattr(fastprep, "_MEMO_MAX", 16)
    _start()
    for seed in (21, 22, 23):  # a few chunks: the memos fill in the first
        assert_same(_demo(120, seed, 0.2))
    fast = importer._STATE["fast"]
    assert any(c.values is None for c in fast.columns) and any(c.values is not None for c in fast.columns)


def test_reordered_columns_same_on_both_paths():
    order = list(range(len(COLUMNS)))
    random.Random(5).shuffle(order)
    _start(order)
    data = [[row[k] for k in order] for row in _demo(200, 11, 0.3)]
    assert assert_same(data) > 0


# ---- messy cells -------------------------------------------------------------------------------------

_SPELLINGS = [
    "", " ", "\u3000", "  男 ", "男", "女", "1", "2", "9", "1-男", "男(1)", "2-男", "男性", "汉", "汉族", "01", "1.0",
    "回族", "穿青人", "未知", "其他", "就近入学", "99", "12", "是", "否", "Y", "x", "ｘ", "２", "同上",
    "同学生户口所在地", "同户口所在地", "2015-03-07", "2015/3/7", "2015年3月7日", "20150307",
    "２０１５-０３-０７", "2015-02-30", "2030-01-01", "202209", "2022.9", "2022-09", "202213", "2099-09",
    "0351-4041234", "13812345678", "138 1234 5678", "1381234", "030001", "30001", "140105", "140105000000",
    "999999000000", "中国", "CHN", "日本", "居民身份证", "户口簿", "护照",
    "港澳居民来往内地通行证", "3.40102E+17", "1.40105E+17", "340102198001010000", "14010520200730579X",
    "14010520200730579x", "140105200007305792", "810000200007305792", "H12345678", "\u200b男", "\ufeff2015-03-07",
    "abc@example.com", "abc", "Jean-Luc", "王 小明", "王小明1", "山西省太原市小店区平阳路30号", "太原", "x" * 60,
    "小学2024级(1)班", "小学2099级(9)班", "2024101", "初中2024级(1)班", "'140105202007305792",
]
_CELL = st.one_of(
    st.sampled_from(_SPELLINGS),
    st.text(alphabet=st.sampled_from("0123456789Xx-/. 男女是否汉族同上年月日ｘ２\u3000"), max_size=20),
    st.integers(min_value=-5, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e19, max_value=1e19),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.booleans(),
    st.none(),
)


def _mangle(value: str, how: int) -> object:
    """A real cell value spoiled the way Excel and typing spoil them."""
    if how == 0:
        return f"  {value}\u3000"
    if how == 1:
        return value.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # full width
    if how == 2:
        try:
            return float(value)  # a number cell: IDs lose digits, 030001 its zero
        except ValueError:
            return value + "0"
    if how == 3:
        return value[:-3] + "000" if len(value) > 3 else value
    if how == 4:
        return value.lower()
    return value[: len(value) // 2]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), error_rate=st.sampled_from([0.0, 0.02, 0.5]),
       edits=st.lists(st.tuples(st.integers(0, 39), st.integers(0, len(COLUMNS) - 1),
                                st.one_of(_CELL, st.integers(0, 5))), max_size=40))
def test_messy_cells_same_on_both_paths(seed, error_rate, edits):
    _start()
    data = _demo(40, seed, error_rate)
    for r, j, value in edits:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 5 and j % 2:
            value = _mangle(str(data[r][j]), value)  # half the small numbers: mangle what is there
        data[r][j] = value
    assert_same(data)


@settings(max_examples=40, deadline=None)
@given(column=st.sampled_from(sorted(INDEX)), values=st.lists(_CELL, min_size=1, max_size=30))
def test_one_column_messed_same_on_both_paths(column, values):
    """Every row differs from a clean one in one column only: a lax verdict on that column would show."""
    _start()
    data = _demo(len(values), 7, 0.0)
    for row, value in zip(data, values, strict=True):
        row[INDEX[column]] = value
    assert_same(data)


# One spoil each, applied to clean rows: the shapes the fast path must leave to the exact path.
_TARGETED = [
    {"members.0.is_guardian": "否", "members.1.is_guardian": "否"},
    {"members.0.household_address": "同学生户口所在地"},
    {"members.1.current_address": "同户口所在地", "members.0.current_address": "同上"},
    {"id_type": "其他", "id_number": "340102198001010000"},
    {"members.0.id_type": "其他", "members.0.id_number": "340102198001010000"},
    {"id_type": "其他", "id_number": "1.40105E+17"},
    {"id_number": 140105202007305792.0},
    {"name": "\u200b王小明"}, {"members.1.name": "王\ufeff"},
    {"gender": 1}, {"birth_date": date(2019, 3, 7)}, {"enrol_date": 202209}, {"postcode": 30001},
    {"class_code": ""}, {"class_code": "小学2099级(9)班"}, {"class_code": 2024101},
    {f"members.{i}.{k}": "" for i in range(2) for k in ("name", "relation", "household_address", "phone",
                                                          "is_guardian", "id_type", "id_number", "ethnicity",
                                                          "employer")},
    {"members.0.name": ""}, {"members.0.id_type": ""}, {"members.1.relation": "外星人"},
    {"is_disabled": "是"}, {"is_disabled": "否", "disability_type": "视力残疾"},
    {"enrol_mode": "其他"}, {"enrol_mode": "体育特招"}, {"migrant_child": "是"},
    {"household_address": ""}, {"household_address": "太原"}, {"phone": "０３５１-４０４１２３４"},
    {"hmt": "香港同胞"}, {"nationality": "日本"}, {"id_type": "户口簿"}, {"id_type": "护照"},
    {"members.0.id_number": "@student"}, {"members.0.relation": "母亲"},
    {"birth_date": "2030-01-01"}, {"enrol_date": "203009"}, {"enrol_date": "200009"},
    {"grade": "一年级"}, {"grade": "九年级"}, {"ethnicity": "1"}, {"gender": "1-男"}, {"gender": "2-男"},
    {"household_region": "999999000000"}, {"birthplace": "140105"}, {"email": "abc"},
    {"household_region": "山西省太原市小店区"}, {"birthplace": "小店区平阳路"}, {"native_place": "朝阳区"},
    {"household_region": "火星"}, {"name": "王　明"}, {"members.0.name": "买买提.艾力"},
    {"gender": "", "birth_date": ""}, {"study_mode": "住校", "is_boarder": ""},
    {"political_status": "少先队员"}, {"members.1.id_number": "140105850730579"},  # clean values with a warning
]


@pytest.mark.parametrize("spoil", _TARGETED, ids=lambda spoil: ",".join(spoil)[:40])
def test_targeted_spoils_same_on_both_paths(spoil):
    _start()
    known = {c.name for c in _classes()}
    data = [row for row in _demo(30, 12, 0.0) if row[INDEX["class_code"]] in known][:6]
    for row in data[::2]:
        for path, value in spoil.items():
            row[INDEX[path]] = row[INDEX["id_number"]] if value == "@student" else value
    assert_same(data)
    assert_same(data)  # again, with the memos warm


def test_the_comparison_catches_a_lax_fast_path(monkeypatch):
    """The tests above can fail: a fast path that skipped the checks between fields is caught on spoiled rows."""
    _start()
    data = _demo(200, 4, 0.5)
    monkeypatch.setattr(fastprep, "across_issues", lambda record, ctx: [])
    with pytest.raises(AssertionError):
        assert_same(data)


def test_the_comparison_catches_a_lax_cell_verdict(monkeypatch):
    _start()
    data = _demo(60, 4, 0.0)
    for row in data[::3]:
        row[INDEX["members.0.phone"]] = "1381234"  # too short: the engine flags it
    monkeypatch.setattr(fastprep, "value_check", lambda key, member=False: lambda value: True)
    importer._STATE["fast"].__init__(importer._STATE["plan"], importer._STATE["fast"].resolve, TODAY)  # fresh memos
    with pytest.raises(AssertionError):
        assert_same(data)


def test_exact_path_output_does_not_depend_on_the_memo():
    """The record's keys follow the columns, whether the memo knew a value or not (it used to append hits)."""
    _start()
    data = _demo(30, 9, 0.1)
    for memo in rows._MEMOS.values():
        memo.clear()
    cold = [importer.prepare_row(i, list(cells)) for i, cells in enumerate(data)]
    warm = [importer.prepare_row(i, list(cells)) for i, cells in enumerate(data)]
    assert any(len(memo) for memo in rows._MEMOS.values())
    assert warm == cold


def test_fast_path_takes_clean_rows():
    """A clean file goes (nearly) all the fast way: the point of it. Spoiled rows keep their messages."""
    _start()
    known = {c.name for c in _classes()}
    data = [row for row in _demo(240, 8, 0.0) if row[INDEX["class_code"]] in known]
    assert assert_same(data) >= 0.95 * len(data)
    data[0][INDEX["id_number"]] = "3.40102E+17"
    prepared = importer._prepare_chunk([(5, data[0])])
    assert prepared[0][4] == "pending" and "id.excel_damaged" in prepared[0][8]


def test_chunk_where_a_whole_part_is_blank():
    """No row of the chunk names a second family member (that part of the record is left out of the zip)."""
    _start()
    data = _demo(40, 13, 0.1)
    for row in data:
        for j, c in enumerate(COLUMNS):
            if c.member == 1:
                row[j] = ""
    assert assert_same(data) > 0


def test_unhashable_cell_goes_the_exact_way():
    _start()
    data = _demo(5, 14, 0.0)
    data[2][INDEX["specialty"]] = ["篮球"]  # not something calamine yields, but no crash of its own
    exact = [importer.prepare_row(i, list(cells)) for i, cells in enumerate(data)]
    assert importer._prepare_chunk(list(enumerate(data))) == exact


def _school_spellings(data: list[list], rng: random.Random) -> list[list]:
    """The class cells rewritten the way schools write them (一年级(1)班, 初一3班, a bare 1班 beside 年级 …)."""
    from xueji_desktop.school import grade_code, parse_class
    from xueji_desktop.validation.spec import load_spec

    names = load_spec().codes["grade"].by_code
    short = {"21": "初一", "22": "初二", "23": "初三"}
    out = []
    for cells in data:
        cells = list(cells)
        entry_year, stage, number = parse_class(cells[INDEX["class_code"]])
        grade = names[grade_code(stage, entry_year, TODAY)]
        code = grade_code(stage, entry_year, TODAY)
        style = rng.randrange(7)
        if style == 0:
            cells[INDEX["class_code"]] = f"{grade}（{number}）班"
        elif style == 1:
            cells[INDEX["class_code"]], cells[INDEX["grade"]] = f"{number}班", grade
        elif style == 2:
            cells[INDEX["class_code"]], cells[INDEX["grade"]] = str(number), short.get(code, grade)
        elif style == 3:
            cells[INDEX["class_code"]] = f"{entry_year}级{number}班"  # stage left open: ambiguous in this school
        elif style == 4:
            cells[INDEX["class_code"]], cells[INDEX["grade"]] = f"{number}班", ""  # no 年级: unknown
        elif style == 5:
            cells[INDEX["class_code"]], cells[INDEX["grade"]] = f"({number})班", 7  # 年级 a number: exact path
        out.append(cells)
    return out


@pytest.mark.parametrize("seed", [4, 5])
def test_school_class_spellings_same_on_both_paths(seed):
    _start()
    rng = random.Random(seed)
    data = _school_spellings(_demo(300, seed, 0.05), rng)
    taken = assert_same(data)
    assert taken > 100  # 一年级(1)班 and 1班 + 年级 rows are placed on the fast path too
    placed = [p for p in importer._prepare_chunk([(i + 2, c) for i, c in enumerate(data)]) if p[1] is not None]
    assert len(placed) > len(data) / 2


def test_rows_travel_to_the_workers_unchanged():
    """importer._pack joins a text row into one string for the trip to a worker: what arrives is what was read."""
    from xueji_desktop.excel.importer import _pack, _unpack

    chunk = [(3, ["张三", "", "男", " 2015-03-07 "]), (4, ["李四", 1.0, None, "x"]), (5, ["a\x1fb", "c"]),
             (6, [""]), (7, [])]
    packed = _pack(chunk)
    assert [type(x) for _, x in packed] == [str, list, list, str, list]
    assert _unpack(packed) == chunk
