"""Read a Word .docx into paragraphs and tables, in body order.

Headings come from paragraph styles (Word's built-in "Heading N" / "标题 N" / "Title", or any
style based on one, or an outline level). A merged cell (gridSpan across, vMerge down) is given
once, at its top-left grid position; the other positions it covers are empty strings.
Headers, footers, comments and text boxes are not part of the body and are not read.
"""
from __future__ import annotations

import io
import re
import zipfile

from pipeline.records import Decoded, DocumentError, Grid, Para

# Word's built-in heading style names, in English and Chinese Word.
HEADING_STYLE = re.compile(
    r"""
    ^\s*(?:
        (?:heading|标题)\s*(?P<level>[1-9])   # Heading 1 .. Heading 9, 标题 1
      | title | 标题                            # the document title
    )\s*$
    """,
    re.VERBOSE | re.IGNORECASE,
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# At most this many characters come from expanding XML entities of document.xml's own DTD
# (a bound against a "billion laughs" of many references to one long entity).
MAX_ENTITY_CHARS = 1_000_000


def decode(data: bytes) -> Decoded:
    """Body paragraphs (empty ones skipped) and tables of a .docx, in document order."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not data:
        raise DocumentError("empty", "the file has 0 bytes")
    if data.startswith(OLE2_MAGIC):
        raise DocumentError(
            "broken_docx",
            "an OLE2 compound file: a legacy .doc or a password-protected .docx; "
            "save it as an unprotected .docx",
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise DocumentError("broken_docx", f"not a readable .docx package: {e}") from None
    except MemoryError:
        raise  # the run reports it as out_of_memory (a zip bomb meets the worker's memory limit)
    except Exception as e:  # lxml and python-docx raise many kinds on damaged XML
        raise DocumentError("broken_docx", f"{type(e).__name__}: {e}") from None

    _expand_entities(document.element)
    return Decoded(tuple(_blocks(document.element.body, document)), None, ())


def _expand_entities(root) -> None:
    """Replace each reference to an entity of the document's internal DTD by its text, in place.

    python-docx's parser does not resolve entities (no XXE, no billion laughs): a reference stays
    an entity node, and the text after it (its tail) is not part of any w:t's text, so it would be
    silently lost. Only plain-text internal entities are expanded, one level, within
    MAX_ENTITY_CHARS; any other entity (external, nested, undeclared) is a broken_docx error.
    """
    from lxml import etree

    refs = list(root.iter(etree.Entity))
    if not refs:
        return
    dtd = root.getroottree().docinfo.internalDTD
    values = {d.name: d.content for d in dtd.iterentities()} if dtd is not None else {}
    budget = MAX_ENTITY_CHARS
    for ref in refs:
        name = ref.text.strip("&;")
        value = values.get(name)
        if value is None or "&" in value or "<" in value:
            raise DocumentError(
                "broken_docx",
                f"document.xml uses the XML entity {ref.text}, which is external, nested or undeclared; "
                "save the document again from Word",
            )
        budget -= len(value)
        if budget < 0:
            raise DocumentError(
                "broken_docx", f"document.xml's XML entities expand to more than {MAX_ENTITY_CHARS} characters"
            )
        parent, before = ref.getparent(), ref.getprevious()
        text = value + (ref.tail or "")
        if before is not None:
            before.tail = (before.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(ref)


def _blocks(container, document):
    for element in container.iterchildren():
        tag = _local(element.tag)
        if tag == "p":
            para = _paragraph(element, document)
            if para is not None:
                yield para
        elif tag == "tbl":
            grid = _grid(element)
            if grid is not None:
                yield grid
        elif tag in ("sdt", "sdtContent"):  # content controls (e.g. a table of contents)
            yield from _blocks(element, document)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _paragraph(p, document) -> Para | None:
    from docx.text.paragraph import Paragraph

    para = Paragraph(p, document)
    text = _unwrap(para.text)
    if not text:
        return None
    return Para(text, heading=_is_heading(para))


def _is_heading(para) -> bool:
    style = para.style
    while style is not None:
        if HEADING_STYLE.match(style.name or ""):
            return True
        style = style.base_style
    ppr = para._p.pPr
    if ppr is not None:
        for child in ppr.iterchildren():
            if _local(child.tag) == "outlineLvl":
                return True  # an outline level is Word's own notion of a heading
    return False


def _unwrap(text: str) -> str:
    """Soft line breaks joined like wrapped lines: no space between Chinese characters."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            out += " "
        out += line
    return out


def _grid(tbl) -> Grid | None:
    """Rows of cell strings on the table's grid columns; merged positions are empty strings."""
    from docx.oxml.ns import qn

    rows: list[list[str]] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        row: list[str] = []
        row.extend([""] * _int_val(tr, "w:trPr/w:gridBefore"))
        for tc in tr.iterchildren(qn("w:tc")):
            span = max(1, _int_val(tc, "w:tcPr/w:gridSpan"))
            merge = tc.find(qn("w:tcPr") + "/" + qn("w:vMerge"))
            continued = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
            row.append("" if continued else _cell_text(tc))
            row.extend([""] * (span - 1))
        row.extend([""] * _int_val(tr, "w:trPr/w:gridAfter"))
        rows.append(row)
    if not rows:
        return None
    width = max(len(r) for r in rows)
    return Grid(tuple(tuple(r + [""] * (width - len(r))) for r in rows))


def _int_val(element, path: str) -> int:
    from docx.oxml.ns import qn

    found = element.find("/".join(qn(part) for part in path.split("/")))
    if found is None:
        return 0
    try:
        return int(found.get(qn("w:val"), "0"))
    except ValueError:
        return 0


def _cell_text(tc) -> str:
    """All paragraphs of a cell (nested tables included), unwrapped into one string."""
    from docx.oxml.ns import qn

    texts = []
    for p in tc.iter(qn("w:p")):
        parts = []
        for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
            tag = _local(node.tag)
            parts.append(node.text or "" if tag == "t" else ("\t" if tag == "tab" else "\n"))
        texts.append("".join(parts))
    return _unwrap("\n".join(texts))
