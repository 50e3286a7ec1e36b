"""The one table model (pipeline/table_model.py): header chains, column roles, row codes, units,
continued parts. Examples from real sample pages (read from ../shared, skipped with a reason when
it is absent) and generated variants where no real page shows the case."""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import pytest
import regex

from pipeline import table_model as tm
from pipeline.load import read_source
from pipeline.normalise import source_to_text
from pipeline.records import Block, Cell, Text
from schemas.vocab import read_toml
from tests.conftest import SAMPLES

# --- the data files -------------------------------------------------------------------------


def test_column_roles_file_is_valid():
    data = read_toml("schemas", "columns.toml")
    names = [r["name"] for r in data["role"]]
    assert len(names) == len(set(names)), "a role is defined twice"
    for r in data["role"]:
        assert r.get("words") or r.get("contains"), f"role {r['name']} has no header words"
    assert set(data["measures"]) <= set(names)
    # every money role the statements expect exists
    for k in read_toml("schemas", "statements.toml")["kind"]:
        assert set(k.get("roles", [])) <= set(names), k["key"]
        assert set(k.get("shape", [])) <= set(names), k["key"]


def test_evaluation_roles_file_is_valid():
    roles = read_toml("schemas", "columns.toml")["evaluation_role"]
    names = [r["name"] for r in roles]
    assert len(names) == len(set(names)), "an evaluation role is defined twice"
    for table in tm.EVALUATION_TABLES:
        headers = [h for r in roles if table in r["tables"] for h in r["headers"]]
        assert len(headers) == len(set(headers)), f"a header belongs to two roles of the {table} tables"
        assert all(tm.header_label(h) == h for h in headers), "a header as header_label gives it"
    assert all(set(r["tables"]) <= set(tm.EVALUATION_TABLES) and r["headers"] for r in roles)
    # the roles the evaluation tables are read by (issue 17)
    assert {"project_name", "budget_initial", "budget_adjusted", "executed", "execution_rate", "weight", "score",
            "level1", "level2", "level3", "target", "achieved", "unit"} <= set(names)


EVALUATION_HEADERS = [
    # (id, upper header row, lower header row, table, the roles read)
    ("自评表-一行", [], ["项目名称", "年初预算数（百元）", "全年预算数", "全年执行数", "分值", "执行率", "得分"], "project",
     {0: "project_name", 1: "budget_initial", 2: "budget_adjusted", 3: "executed", 4: "weight",
      5: "execution_rate", 6: "score"}),
    ("自评表-列序不同", [], ["得分", "执行率", "全年执行数", "项 目 名 称", "年初预算数"], "project",
     {0: "score", 1: "execution_rate", 2: "executed", 3: "project_name", 4: "budget_initial"}),
    ("两行表头-预算数合并", ["项目名称", "预算数（万元）", "", "全年执行数"], ["", "年初预算数", "全年预算数", ""], "project",
     {0: "project_name", 1: "budget_initial", 2: "budget_adjusted", 3: "executed"}),
    ("指标表-两行表头", ["绩效指标", "", "", "年度指标值", "实际完成值"], ["一级指标", "二级指标", "三级指标", "", ""], "indicator",
     {0: "level1", 1: "level2", 2: "level3", 3: "target", 4: "achieved"}),
]


@pytest.mark.parametrize("upper,lower,table,want", [e[1:] for e in EVALUATION_HEADERS], ids=[e[0] for e in EVALUATION_HEADERS])
def test_evaluation_header_roles(upper, lower, table, want):
    labels = [tm.header_label(c) for c in lower]
    if upper:
        assert tm.evaluation_chain_roles([tm.header_label(c) for c in upper], labels, table) == want
    else:
        assert tm.evaluation_row_roles(labels, table, first_wins=True) == want


def test_statement_kinds_file_is_valid():
    data = read_toml("schemas", "statements.toml")
    keys = [k["key"] for k in data["kind"]]
    assert len(keys) == len(set(keys))
    for k in data["kind"]:
        assert k["titles"] and k["classification"] in ("functional", "economic", "income", "other")


# --- header words -> roles (seed) ---------------------------------------------------------------

ROLE_CASES = [
    # (id, header chain, role, measure)
    ("seed-leaf", ("基本支出", "人员经费"), "personnel", None),
    ("seed-subtotal-takes-parent", ("基本支出", "小计"), "basic", None),
    ("seed-spaced-total", ("合 计",), "total", None),
    ("seed-measure-under-parent", ("因公出国（境）费", "决算数"), "overseas", "actual"),
    ("seed-measure-under-name", ("收入", "预算数"), "budget", "budget"),
    ("seed-prior-year", ("上年预算数",), "prior_year", "prior_year"),
    # 泉州 公安局 收入总表 p11: this year's money carried over, not last year's figure
    ("sample-carry-over-not-prior-year", ("上年结转结余",), "carry_over", None),
    ("seed-vehicle-parent", ("公务用车购置及运行维护费", "小计"), "vehicle", None),
    ("seed-vehicle-running", ("公务用车购置及运行维护费", "公务用车运行维护费"), "vehicle_running", None),
    ("seed-split-code", ("功能分类科目编码", "类"), "code", None),
    ("seed-income-source", ("本年收入", "政府性基金预算"), "income_fund", None),
]


@pytest.mark.parametrize("chain, role, measure", [c[1:] for c in ROLE_CASES], ids=[c[0] for c in ROLE_CASES])
def test_chain_role(chain, role, measure):
    assert tm.chain_role_measure(chain) == (role, measure)


# --- row codes (seed) -----------------------------------------------------------------------------

CODE_CASES = [
    ("seed-code-before-name", ["2010301 行政运行", "1.00"], [], 0, ("2010301", "行政运行")),
    ("seed-bracketed-code", ["[30101]基本工资", "1.00"], [], 0, ("30101", "基本工资")),
    ("seed-code-column", ["20103", "政府办公厅", "1.00"], [0], 1, ("20103", "政府办公厅")),
    ("seed-split-three", ["201", "03", "01", "行政运行"], [0, 1, 2], 3, ("2010301", "行政运行")),
    ("seed-split-dropped-zero", ["301", "2", "津贴补贴"], [0, 1], 2, ("30102", "津贴补贴")),
    ("seed-no-code", ["合计", "5.00"], [], 0, (None, "合计")),
    # a project named from its year is no code (seed 002, 广州交通 p27: "2024年曲靖市…专项资金",
    # "2026-2028年国省干线公路…项目" read as 类 202 with the name "4年…")
    ("bug-year-is-no-code", ["2024年曲靖市人大代表履职能力提升专项资金", "10.56"], [], 0,
     (None, "2024年曲靖市人大代表履职能力提升专项资金")),
    ("bug-year-range-is-no-code", ["2026-2028年国省干线公路技术状况检测项目", "50.00"], [], 0,
     (None, "2026-2028年国省干线公路技术状况检测项目")),
    # 烟台 三公 p20: a year is no code 202 before "5年预算数"
    ("sample-a-year-is-no-code", ["2025年预算数", "1.00"], [], 0, (None, "2025年预算数")),
]


@pytest.mark.parametrize("texts, code_cols, name_col, want", [c[1:] for c in CODE_CASES],
                         ids=[c[0] for c in CODE_CASES])
def test_row_code(texts, code_cols, name_col, want):
    assert tm.row_code(texts, code_cols, name_col) == want


# --- generated: a table continued on the next page, its header repeated ----------------------------


def _block(rows, page, start=0, caption=None):
    cells, pos = [], start
    for r, row in enumerate(rows):
        for c, t in enumerate(row):
            cells.append(Cell(r, c, t, pos, pos + len(t)))
            pos += len(t) + 1
    return Block(0, "table", start, pos, page, caption=caption, cells=tuple(cells), n_rows=len(rows),
                 n_cols=len(rows[0]))


def _text(blocks):
    blocks = tuple(dataclasses.replace(b, block_id=i) for i, b in enumerate(blocks))
    return Text("x", "", blocks)


HEADER = [("功能分类科目名称", "合计", "基本支出", "项目支出")]


@pytest.mark.parametrize("second, n_rows", [
    pytest.param([("其他支出", "2.00", "1.00", "1.00")], 2, id="generated-continued-no-header"),
    pytest.param(HEADER + [("其他支出", "2.00", "1.00", "1.00")], 2, id="generated-continued-header-repeated"),
])
def test_continued_table_is_joined_and_rows_keep_their_page(second, n_rows):
    first = _block(HEADER + [("行政运行", "5.00", "5.00", "0.00")], 3, caption="表5 一般公共预算支出表 单位：万元")
    text = _text([first, _block(second, 4, start=first.end)])
    tables = tm.text_to_tables(text)
    assert len(tables) == 1
    t = tables[0]
    assert [r.page for r in t.rows] == [3, 4][:n_rows]
    assert [r.name for r in t.rows] == ["行政运行", "其他支出"]
    assert [c.role for c in t.columns] == ["name", "total", "basic", "project"]


def test_a_table_the_reader_joined_over_pages_keeps_each_rows_page_and_continues():
    """The reader joined pages 3-4 into one block (row_pages); the part on page 5 continues it."""
    first = _block(HEADER + [("行政运行", "5.00", "5.00", "0.00"), ("一般行政管理事务", "1.00", "0.00", "1.00")], 3,
                   caption="表5 一般公共预算支出表 单位：万元")
    first = Block(0, "table", first.start, first.end, 3, caption=first.caption, cells=first.cells,
                  n_rows=first.n_rows, n_cols=first.n_cols, row_pages=(3, 3, 4))
    text = _text([first, _block([("其他支出", "2.00", "1.00", "1.00")], 5, start=first.end)])
    (t,) = tm.text_to_tables(text)
    assert [(r.name, r.page) for r in t.rows] == [("行政运行", 3), ("一般行政管理事务", 4), ("其他支出", 5)]


# --- real pages ---------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _sample_tables(rel: str) -> tuple[tm.Table, ...]:
    p = SAMPLES / rel
    if not p.exists():
        pytest.skip(f"sample {rel} is not in ../shared/samples ({SAMPLES}); the real-page cases need it")
    return tuple(tm.text_to_tables(source_to_text(read_source(Path(p)))))


def _on_page(rel: str, page: int, title_word: str) -> tm.Table:
    return next(t for t in _sample_tables(rel) if t.page == page and title_word in (t.title or ""))


HZQX = "cities/杭州__2026年杭州市气象局部门预算.pdf"
SJ = "上海普陀区委社会工作部_2024_部门决算.pdf"
WL = "上海普陀万里街道办事处_2024_部门预算.pdf"
WX = "cities/无锡__信访局_2026年部门预算.pdf"
YT = "烟台市退役军人事务局_2026_部门预算.html"
JS = "江苏省高级人民法院_2019_部门预算.pdf"

PAGE_CASES = [
    # (id, sample, page, title word, column -> (header, role, measure))
    ("sample-merged-two-level-三公", HZQX, 21, "三公",
     {3: ("公务用车购置及运行费/小计", "vehicle", None), 5: ("公务用车购置及运行费/公务用车运行维护费", "vehicle_running", None),
      6: ("公务接待费", "reception", None)}),
    ("sample-two-level-basic-subtotal", HZQX, 19, "一般公共预算支出",
     {2: ("基本支出/小计", "basic", None), 3: ("基本支出/人员经费", "personnel", None), 5: ("项目支出", "project", None)}),
    ("sample-spanning-parent-total", HZQX, 20, "基本支出",
     {1: ("本年一般公共预算基本支出/合计", "total", None), 2: ("本年一般公共预算基本支出/人员经费", "personnel", None)}),
    ("sample-measure-under-item-决算三公", SJ, 14, "三公",
     {2: ("因公出国（境）费/预算数", "overseas", "budget"), 3: ("因公出国（境）费/决算数", "overseas", "actual")}),
    ("sample-split-code-类款项", WL, 11, "收入预算总表",
     {0: ("项目/功能分类科目编码/类", "code", None), 1: ("项目/功能分类科目编码/款", "code", None),
      4: ("收入预算/合计", "total", "budget")}),
    # 公务接待费's empty middle cell is none of 公务用车运行维护费's, printed left of it under another parent
    ("sample-spanning-parent-stays-under-its-own", SJ, 14, "三公",
     {8: ("公务用车购置及运行维护费/公务用车运行维护费/预算数", "vehicle_running", "budget"),
      10: ("公务接待费/预算数", "reception", "budget"), 11: ("公务接待费/决算数", "reception", "actual")}),
    # a header row starting 合计 (合计 | 因公出国（境）经费 | …) under a year row (2025年预算数 | 2026年预算数)
    ("sample-header-row-starting-合计", YT, 20, "三公",
     {5: ("2025年预算数/公务接待费", "reception", None), 6: ("2026年预算数/合计", "total", "budget"),
      9: ("2026年预算数/公务用车购置及运行维护费/公务用车购置经费", "vehicle_purchase", None)}),
    ("sample-购置费-运行费-under-their-parent", WL, 31, "三公",
     {4: ("2024年“三公”经费预算数/公务用车购置及运行费/购置费", "vehicle_purchase", None),
      5: ("2024年“三公”经费预算数/公务用车购置及运行费/运行费", "vehicle_running", None)}),
    # 江苏 09表: a 合计 of 三公, 会议费 and 培训费, and the 三公 经费's own 小计
    ("sample-三公-subtotal-beside-会议费", JS, 14, "三公",
     {0: ("合计", "total", None), 2: ("“三公”经费/小计", "three_public_total", None), 8: ("会议费", "meeting", None)}),
    ("sample-title-rows-inside-the-grid", WX, 11, "收入总表",
     {2: ("合计", "total", None), 4: ("本年收入/一般公共预算", "income_general", None)}),
]


@pytest.mark.parametrize("rel, page, word, want", [c[1:] for c in PAGE_CASES], ids=[c[0] for c in PAGE_CASES])
def test_header_chains_on_real_pages(rel, page, word, want):
    t = _on_page(rel, page, word)
    for col, (header, role, measure) in want.items():
        c = t.columns[col]
        assert (c.header, c.role, c.measure) == (header, role, measure)


GZWJ = "cities/广州__2026年广州市卫生健康委员会部门预算.pdf"


def test_a_statement_over_many_pages_is_one_table_each_row_on_its_page():
    """广州卫健委 表12 部门预算项目支出及其他支出预算表 runs from p31 to p113: the reader joins
    pages 32-39 into one block, the model joins the rest (each part repeats the header rows)."""
    (t,) = [t for t in _sample_tables(GZWJ) if "项目支出及其他支出预算表" in (t.title or "")]
    pages = [r.page for r in t.rows]
    assert (min(pages), max(pages)) == (31, 113) and pages == sorted(pages)
    row = next(r for r in t.rows if r.name and "区块链" in r.name)  # printed on p35
    assert row.page == 35
    assert not [u for u in _sample_tables(GZWJ) if u.page and 32 <= u.page <= 113 and u.table_id != t.table_id
                and [c.chain for c in u.columns] == [c.chain for c in t.columns]]


def test_split_codes_on_a_real_page():
    t = _on_page(WL, 29, "经济分类")
    got = [(r.code, r.level, r.name) for r in t.rows[:3]]
    assert got == [("301", "类", "工资福利支出"), ("30101", "款", "基本工资"), ("30102", "款", "津贴补贴")]
    assert t.unit == "元"


def test_a_note_above_a_table_is_no_title():
    """"注：本表反映…一般公共预算财政拨款支出情况" under one table is no title of the next one."""
    from pipeline.records import Block as B

    note = "注：本表反映部门本年度一般公共预算财政拨款支出情况。"
    t = _block(HEADER + [("行政运行", "5.00", "5.00", "0.00")], 3, start=len(note) + 1)
    para = B(0, "paragraph", 0, len(note) + 1, 3)
    text = Text("x", note + "\n" + " " * (t.end - len(note) - 1), _text([para, t]).blocks)
    assert tm.text_to_tables(text)[0].title is None


# --- bad input on the table paths (issue 16: a table that cannot be read is a check row and a
# warning, never a crash or a dropped document) --------------------------------------------------

UNREADABLE_SAMPLE = "cities/无锡__信访局_2026年部门预算.pdf"


def _broken(real, table_id_of, bad_id: int, error: Exception):
    """`real` (tm.build / statements.table_lines) raising `error` on table `bad_id`."""
    def call(*args, **kw):
        if table_id_of(args) == bad_id:
            raise error
        return real(*args, **kw)
    return call


@pytest.mark.parametrize("where", ["table model", "statement lines"])
def test_a_table_that_cannot_be_read_costs_that_table_not_the_document(monkeypatch, where):
    from extractors import statements
    from pipeline.process import process_path

    p = SAMPLES / UNREADABLE_SAMPLE
    if not p.exists():
        pytest.skip(f"sample {UNREADABLE_SAMPLE} is not in ../shared/samples")
    whole = process_path(str(p))
    good_lines = whole.columns["statement_lines"]
    bad = sorted(set(good_lines["table_id"]))[1]  # a table that gives statement lines
    error = IndexError("tuple index out of range")
    if where == "table model":
        # build(block, table_id, …)
        monkeypatch.setattr(tm, "build", _broken(tm.build, lambda a: a[1], bad, error))
    else:
        # table_lines(text, table, …)
        monkeypatch.setattr(statements, "table_lines", _broken(statements.table_lines, lambda a: a[1].table_id, bad, error))
    r = process_path(str(p))
    assert r.document["status"] == "partial"
    assert f"table {bad} (page " in r.document["error"] and "IndexError" in r.document["error"]
    checks = r.columns["checks"]
    failed = [d for c, s, d in zip(checks["check"], checks["status"], checks["detail"]) if c == "table_readable"]
    assert len(failed) == 1 and f"table {bad} (page" in failed[0] and "tuple index out of range" in failed[0]
    assert "fail" == checks["status"][checks["check"].index("table_readable")]
    # every other table's statement lines are there, the amounts and facts untouched
    lines = r.columns["statement_lines"]
    assert bad not in lines["table_id"]
    assert sorted(v for t, v in zip(lines["table_id"], lines["value"]) if t != bad) == \
        sorted(v for t, v in zip(good_lines["table_id"], good_lines["value"]) if t != bad)
    assert r.columns["amounts"] == whole.columns["amounts"]
    assert r.columns["facts"]["value"] == whole.columns["facts"]["value"]


# --- a 合计 header row (sample 烟台 公开表7, HTML) ----------------------------------------------------

def test_a_row_of_column_headers_that_starts_with_合计_is_a_header_row():
    grid = [["2025年预算数", "", "", "2026年预算数", "", ""],
            ["合计", "因公出国（境）经费", "公务接待费", "合计", "因公出国（境）经费", "公务接待费"],
            ["28.10", "", "8.20", "25.02", "", "7.62"]]
    assert tm.header_row_count(grid) == 2
    t = tm.build(_block(grid, 20), 1, 0, "一般公共预算“三公”经费支出情况表")
    assert [(c.role, c.year) for c in t.columns] == [
        ("total", 2025), ("overseas", 2025), ("reception", 2025), ("total", 2026), ("overseas", 2026),
        ("reception", 2026)]
    # a 合计 data row of an empty template still ends the header
    assert tm.header_row_count([["项目", "金额"], ["合计", ""]]) == 1


# --- titles: one reading for every reader -----------------------------------------------------------

TITLE_CASES = [
    # (id, text, Table.title as printed, the title line resolve reads)
    ("seed-style-unit-caption", "2026 年度一般公共预算“三公”经费支出预算表\n单位：万元\n项目\t预算数\n合计\t5.00\n",
     "2026 年度一般公共预算“三公”经费支出预算表", "2026 年度一般公共预算“三公”经费支出预算表"),
    ("a-note-is-no-title", "注：本表反映上年结转。\n项目\t预算数\n合计\t5.00\n", None, None),
]


@pytest.mark.parametrize("text, title, line", [c[1:] for c in TITLE_CASES], ids=[c[0] for c in TITLE_CASES])
def test_the_table_model_and_resolve_read_one_title(text, title, line):
    """A caption that is only a unit line ("单位：万元") is no title: the line above it is (the table
    model once took the unit line, while resolve's view looked above it)."""
    from pipeline import table_view
    from tests.helpers import snippet

    t, _ = snippet(text)
    (table,) = tm.text_to_tables(t)
    (view,) = table_view.table_views(t)
    assert (table.title, view.title) == (title, line)
