"""The pyarrow schema of every output table, with a description of every column.

This is the contract of DESIGN.md §4 as code. `write` validates each table against it; `cnbudget
schema` prints it. A column's description lives in its field metadata so it travels into Parquet.
"""
from __future__ import annotations

import pyarrow as pa

DEC = pa.decimal128(24, 6)  # exact figures as printed (up to 6 decimals)
YUAN = pa.decimal128(24, 2)  # exact amounts in 元 (fen precision)


def _f(name: str, type_: pa.DataType, doc: str) -> pa.Field:
    return pa.field(name, type_, nullable=True, metadata={"description": doc})


DOC_ID = _f("doc_id", pa.string(), "First 16 hex digits of the sha256 of the file's bytes.")
START = _f("start", pa.int64(), "Start offset in the document's normalised text (see `cnbudget inspect`).")
END = _f("end", pa.int64(), "End offset (exclusive) in the normalised text.")
PAGE = _f("page", pa.int32(), "1-based page number; null for formats without pages.")
MEASURE = _f(
    "measure",
    pa.string(),
    "actual, budget, initial_budget, adjusted_budget, prior_year, change, or null when unknown.",
)

TABLES: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            DOC_ID,
            _f("source_path", pa.string(), "Path of the input file as given on the command line."),
            _f("source_format", pa.string(), "txt, pdf, docx, html, or the unsupported extension."),
            _f("sha256", pa.string(), "sha256 of the file's bytes (hex)."),
            _f("bytes", pa.int64(), "File size in bytes."),
            _f("n_pages", pa.int32(), "Pages (PDF), else null."),
            _f("n_chars", pa.int64(), "Characters of normalised text."),
            _f("title", pa.string(), "Document title (first title-like line)."),
            _f("province", pa.string(), "Province (省/自治区/直辖市) where stated."),
            _f("city", pa.string(), "City or prefecture (市/州/盟) where stated."),
            _f("county", pa.string(), "County-level unit (县/区/县级市/旗) where stated."),
            _f("department", pa.string(), "Reporting department or unit."),
            _f("fiscal_year", pa.int32(), "Fiscal year the report covers."),
            _f(
                "doc_kinds",
                pa.list_(pa.string()),
                "Kinds found: final_accounts, budget, dept_performance, project_performance, target_declaration.",
            ),
            _f("status", pa.string(), "ok, partial (read with warnings), or failed."),
            _f("error", pa.string(), "Why the document failed or is partial (reason: detail); null when ok."),
            _f("pipeline_version", pa.string(), "cnbudget version that produced the rows."),
            _f("extracted_at", pa.timestamp("us", tz="UTC"), "When the document was processed (UTC)."),
        ]
    ),
    "sections": pa.schema(
        [
            DOC_ID,
            _f("section_id", pa.int32(), "Section number within the document, in reading order."),
            _f("parent_id", pa.int32(), "section_id of the enclosing section; null at top level."),
            _f("level", pa.int32(), "Depth in the heading hierarchy, 1 = outermost style seen."),
            _f("number", pa.string(), "Heading number as printed: 第一部分, 一、, （一）, 1., （1）, 附件1."),
            _f("title", pa.string(), "Heading text after the number."),
            _f("start", pa.int64(), "Start of the heading in the normalised text."),
            _f("end", pa.int64(), "End of the section (start of the next heading of the same or higher level)."),
            PAGE,
        ]
    ),
    "tables": pa.schema(
        [
            DOC_ID,
            _f("table_id", pa.int32(), "Table number within the document."),
            _f("section_id", pa.int32(), "Section the table stands in."),
            PAGE,
            _f("caption", pa.string(), "Caption or title line of the table, if any."),
            _f("unit", pa.string(), "Money unit the table states for its cells (元/百元/千元/万元/亿元)."),
            _f("row", pa.int32(), "0-based row."),
            _f("col", pa.int32(), "0-based column."),
            _f("text", pa.string(), "Cell text; empty string for an empty or merged cell."),
            START,
            END,
        ]
    ),
    "amounts": pa.schema(
        [
            DOC_ID,
            _f("amount_id", pa.int32(), "Amount number within the document, in text order."),
            _f("section_id", pa.int32(), "Section the figure stands in."),
            _f("label", pa.string(), "What the figure is, as the text names it (e.g. 基本支出)."),
            _f("value_text", pa.string(), "The figure as printed, including its unit when printed with it."),
            _f("value", DEC, "The number as printed, exact."),
            _f("unit", pa.string(), "元, 百元, 千元, 万元 or 亿元 (stated or inherited from a table header)."),
            _f("amount_yuan", YUAN, "Exact amount in 元."),
            _f("amount_wan", pa.float64(), "Amount in 万元 (float for analysis; amount_yuan is exact)."),
            _f("share_pct", DEC, "Share stated with it (占89.73% -> 89.73)."),
            _f("change_pct", DEC, "Change stated with it (增长4.63% -> 4.63, 下降 -> negative)."),
            _f("year", pa.int32(), "Year the figure refers to, where the text says."),
            MEASURE,
            _f("table_id", pa.int32(), "Table of the figure, null in prose."),
            _f("row", pa.int32(), "Table row, null in prose."),
            _f("col", pa.int32(), "Table column, null in prose."),
            START,
            END,
            PAGE,
            _f("context", pa.string(), "Clause or row/column headers around the figure."),
        ]
    ),
    "facts": pa.schema(
        [
            DOC_ID,
            _f("key", pa.string(), "Canonical key (DESIGN §5), e.g. expenditure_basic."),
            _f("value", DEC, "Value in `unit`, exact."),
            _f("unit", pa.string(), "万元 for money, 人 for staff counts."),
            MEASURE,
            _f("year", pa.int32(), "Year the figure refers to."),
            _f("amount_id", pa.int32(), "The amounts row it came from (null for non-money facts)."),
            START,
            END,
            PAGE,
            _f("evidence", pa.string(), "Text the fact was read from."),
        ]
    ),
    "functional": pa.schema(
        [
            DOC_ID,
            _f("code", pa.string(), "Functional classification code (201, 20103, 2010301), null if not given."),
            _f("level", pa.string(), "类, 款 or 项."),
            _f("name", pa.string(), "Name of the classification line."),
            _f("amount_wan", pa.float64(), "Amount in 万元."),
            MEASURE,
            START,
            END,
            PAGE,
        ]
    ),
    "indicators": pa.schema(
        [
            DOC_ID,
            _f("indicator_id", pa.int32(), "Indicator number within the document."),
            _f("table_id", pa.int32(), "Table the indicator row is in."),
            _f("subject", pa.string(), "Project name, or the department for 部门整体 tables."),
            _f("level1", pa.string(), "一级指标 (产出指标, 效益指标, 满意度指标 …)."),
            _f("level2", pa.string(), "二级指标 (数量指标, 质量指标 …)."),
            _f("level3", pa.string(), "三级指标: the indicator's own name."),
            _f("operator", pa.string(), "≥ ≤ = > < 定性, or null."),
            _f("target_raw", pa.string(), "Target as printed."),
            _f("target_value", DEC, "Target number (lower bound of a range)."),
            _f("target_unit", pa.string(), "Unit of the target (次, %, 万元 …)."),
            _f("actual_raw", pa.string(), "Actual value as printed."),
            _f("actual_value", DEC, "Actual number."),
            _f("actual_unit", pa.string(), "Unit of the actual value."),
            _f("weight", DEC, "分值/权重."),
            _f("score", DEC, "得分."),
            _f("note", pa.string(), "偏差原因分析及改进措施 or remarks."),
            PAGE,
        ]
    ),
    "scores": pa.schema(
        [
            DOC_ID,
            _f("subject", pa.string(), "Department or project the score is for."),
            _f("scope", pa.string(), "department or project."),
            _f("score", DEC, "Self-evaluation score."),
            _f("max_score", DEC, "Maximum score where stated."),
            _f("grade", pa.string(), "优, 良, 中, 差 or null."),
            START,
            END,
            PAGE,
            _f("evidence", pa.string(), "Sentence or row the score was read from."),
        ]
    ),
    "projects": pa.schema(
        [
            DOC_ID,
            _f("name", pa.string(), "Project name."),
            _f("code", pa.string(), "Project code where printed (e.g. 51042122Y000004782652)."),
            _f("budget_initial_wan", pa.float64(), "年初预算数 in 万元 (float for analysis, DESIGN §4)."),
            _f("budget_adjusted_wan", pa.float64(), "全年预算数 / 调整后预算数 in 万元 (float for analysis, DESIGN §4)."),
            _f("executed_wan", pa.float64(), "全年执行数 / 预算执行数 in 万元 (float for analysis, DESIGN §4)."),
            _f("execution_rate", DEC, "执行率 in percent."),
            _f("score", DEC, "Score of the project where stated."),
            _f("grade", pa.string(), "Grade where stated."),
            PAGE,
        ]
    ),
    "files": pa.schema(
        [
            _f("path", pa.string(), "Input path as the run found it; bytes of a file name that are not UTF-8 as \\xNN."),
            _f("doc_id", pa.string(), "The documents row of what the path holds; null when it was not read."),
            _f("bytes", pa.int64(), "File size in bytes; null for a folder or an unreadable path."),
            _f("mtime", pa.timestamp("us", tz="UTC"), "Last modification time of the path (UTC)."),
            _f("status", pa.string(), "processed, duplicate_of, unchanged, skipped, unreadable or failed."),
            _f("reason", pa.string(), "duplicate_of: the path processed for the same bytes; unchanged: already "
               "in the output; skipped: why (hidden, unsupported extension, the output folder); unreadable or "
               "failed: the error."),
            _f("run", pa.string(), "The run that last saw the path (the name of its log in _runs/)."),
        ]
    ),
    "checks": pa.schema(
        [
            DOC_ID,
            _f("check", pa.string(), "Name of the consistency check."),
            _f("status", pa.string(), "pass, fail or skip."),
            _f("expected", DEC, "Expected value."),
            _f("observed", DEC, "Observed value."),
            _f("diff", DEC, "observed - expected."),
            _f("detail", pa.string(), "What was compared, with the figures' evidence."),
        ]
    ),
}


# --- statement_lines (issue 16): every line x money column of a standard statement (DESIGN §9) ---
TABLES["statement_lines"] = pa.schema(
    [
        DOC_ID,
        _f("statement", pa.string(), "Canonical statement kind (schemas/statements.toml), e.g. general_public_basic."),
        _f("statement_title", pa.string(), "The statement's title as printed (numbering and year kept)."),
        _f("table_id", pa.int32(), "Table of the line (tables.table_id of its first part)."),
        _f("row", pa.int32(), "Row in the table block."),
        _f("col", pa.int32(), "Column in the table block."),
        _f("code", pa.string(), "Classification code (科目编码) as printed, e.g. 2010301 or 30101; null without one."),
        _f("name", pa.string(), "Line name as printed (its code split off)."),
        _f("classification", pa.string(), "functional, economic, income or other."),
        _f("level", pa.string(), "类, 款 or 项 from the code's length; null without a code."),
        _f("column_role", pa.string(), "Column role (schemas/columns.toml): total, basic, project, personnel, …"),
        _f("column_header", pa.string(), "The column header as printed, its levels joined by '/'."),
        MEASURE,
        _f("year", pa.int32(), "Year the figure refers to (the title's year, else the document's)."),
        _f("value", DEC, "The figure as printed, exact."),
        _f("unit", pa.string(), "元, 百元, 千元, 万元 or 亿元: the cell's, its column's or its table's unit."),
        _f("amount_wan", pa.float64(), "Amount in 万元 (float for analysis; value and unit are exact)."),
        PAGE,
        START,
        END,
    ]
)


def describe(table: str) -> list[tuple[str, str, str]]:
    """(column, type, description) for each column of a table."""
    return [
        (f.name, str(f.type), (f.metadata or {}).get(b"description", b"").decode("utf-8"))
        for f in TABLES[table]
    ]


def numeric_columns(table: str) -> frozenset[str]:
    """The decimal and float columns of a table: the ones DocResult carries as exact text."""
    return frozenset(f.name for f in TABLES[table] if pa.types.is_decimal(f.type) or pa.types.is_floating(f.type))
