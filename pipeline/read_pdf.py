"""Read a PDF with a text layer into paragraphs and tables.

PDFium (pypdfium2) gives every page's characters with their font boxes and every drawn path,
in milliseconds; the rulings go through pdfplumber's own `lines` table finder, so tables are
the ones pdfplumber finds, without pdfminer parsing the page (50x slower). A page where PDFium
leaves a text object out of its text page is read by pdfminer instead (`_may_hold_text`).
A page whose text runs sideways is turned upright first. `pipeline.layout` turns the
positioned characters and tables into paragraphs and grids.

Errors: empty (0 bytes), broken_pdf (PDFium cannot open it, or no page can be read),
encrypted_pdf (a user password is needed), no_text_layer (every page is a scan). Warnings:
cid_garbage (characters without a Unicode mapping), scanned_pages (some pages are images only),
broken_pages (pages neither PDFium nor pdfminer can read: they are left out, the rest is read).
"""
from __future__ import annotations

import ctypes
import io
import math
from collections import Counter

from pipeline.layout import Glyph, PageLayout, arrange_page, blocks, turn, unmapped
from pipeline.records import Decoded, DocumentError

# A page that shows an image and has fewer characters than this (a page number, a stamp's
# caption) is a scanned page without a text layer.
SCANNED_MAX_CHARS = 20


# --- public ---------------------------------------------------------------------------------


def decode(data: bytes) -> Decoded:
    """Paragraphs and ruled tables of a PDF, in reading order, with 1-based pages."""
    import pypdfium2 as pdfium

    if not data:
        raise DocumentError("empty", "the file has 0 bytes")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == pdfium.raw.FPDF_ERR_PASSWORD:
            raise DocumentError("encrypted_pdf", "the PDF needs a password to open") from None
        raise DocumentError("broken_pdf", f"PDFium cannot open it: {e}") from None
    warnings: list[str] = []
    pages: list[PageLayout] = []
    scanned: list[int] = []  # pages that show an image and (almost) no text
    failed: dict[int, str] = {}  # pages neither PDFium nor pdfminer can read -> why
    try:
        n_pages = len(pdf)
        for i in range(n_pages):
            try:
                layout, is_scan = _page(pdf, i, data)
            except MemoryError:
                raise  # reported by the run as out_of_memory
            except RecursionError:
                failed[i + 1] = "nesting too deep"
            except DocumentError as e:
                failed[i + 1] = e.detail
            except Exception as e:  # a damaged page costs that page, not the document
                failed[i + 1] = f"{type(e).__name__}: {e}"
            else:
                if is_scan:
                    scanned.append(i + 1)
                pages.append(layout)
    finally:
        pdf.close()

    if failed and not pages:
        first, why = next(iter(failed.items()))
        raise DocumentError("broken_pdf", f"none of the {n_pages} pages can be read (page {first}: {why})")
    if failed:
        first, why = next(iter(failed.items()))
        warnings.append(
            f"broken_pages: pages {_ranges(list(failed))} of {n_pages} cannot be read and are left out "
            f"(page {first}: {why})"
        )
    if not any(p.lines or p.tables for p in pages) or (pages and len(scanned) == len(pages)):
        raise DocumentError(
            "no_text_layer",
            f"none of the {len(pages)} pages has a text layer (scanned images); it needs OCR",
        )
    if scanned:
        warnings.append(
            f"scanned_pages: pages {_ranges(scanned)} are images without a text layer; they need OCR"
        )
    for p in pages:
        garbage = unmapped(p)
        if garbage:
            warnings.append(
                f"cid_garbage: page {p.number}: {garbage} characters have no Unicode mapping"
            )
    return Decoded(tuple(blocks(pages)), len(pages), tuple(warnings))


def _page(pdf, i: int, data: bytes) -> tuple[PageLayout, bool]:
    """Page i (0-based) laid out, and whether it is a scanned image without a text layer."""
    import pypdfium2 as pdfium

    try:
        page = pdf[i]
    except pdfium.PdfiumError:  # PDFium cannot load this page: pdfminer may
        return _pdfminer_layout(data, i + 1), False
    try:
        layout = _layout(page, i + 1, data)
        return layout, _chars(layout) < SCANNED_MAX_CHARS and _has_image(page)
    finally:
        page.close()


def _chars(page: PageLayout) -> int:
    texts = [ln.text for ln in page.lines] + [c for t in page.tables for r in t.rows for c in r]
    return sum(len(t.replace(" ", "")) for t in texts)


def _has_image(page) -> bool:
    import pypdfium2.raw as c

    return next(iter(page.get_objects(filter=[c.FPDF_PAGEOBJ_IMAGE])), None) is not None


def _ranges(numbers: list[int]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"."""
    out: list[list[int]] = []
    for n in numbers:
        if out and n == out[-1][-1] + 1:
            out[-1].append(n)
        else:
            out.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in out)


# --- one page: glyphs and rulings from PDFium, tables by pdfplumber's algorithm --------------


def _layout(page, number: int, data: bytes) -> PageLayout:
    width, height = page.get_width(), page.get_height()
    glyphs, quarters = _read_glyphs(page, height)
    if glyphs is None:
        return _pdfminer_layout(data, number)
    edges = _edges(page, height) if glyphs else []
    if quarters:
        glyphs, edges, width, height = turn(glyphs, edges, width, height, quarters)
    return arrange_page(number, width, height, glyphs, edges)


def _pdfminer_layout(data: bytes, number: int) -> PageLayout:
    try:
        glyphs, edges, width, height, quarters = _plumber_page(data, number)
    except MemoryError:
        raise  # reported by the run as out_of_memory
    except Exception as e:  # pdfminer raises many kinds on damaged files
        raise DocumentError(
            "broken_pdf", f"neither PDFium nor pdfminer can read it: {type(e).__name__}: {e}"
        ) from None
    if quarters:
        glyphs, edges, width, height = turn(glyphs, edges, width, height, quarters)
    return arrange_page(number, width, height, glyphs, edges)


def _glyphs(page, height: float) -> list[Glyph] | None:
    return _read_glyphs(page, height)[0]


def _read_glyphs(page, height: float) -> tuple[list[Glyph] | None, int]:
    """Every drawn character with its font box (top-down coordinates, like pdfplumber's), and
    the quarter turns (0-3) of most of the page's text (a landscape table drawn sideways).

    None when PDFium's text page leaves out a text object of the page (it drops, for one,
    a lone CJK character in a non-embedded CID font): the caller then asks pdfminer.
    """
    import pypdfium2.raw as c

    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        n_chars = textpage.count_chars()
        seen = {
            ctypes.cast(c.FPDFText_GetTextObject(raw, k), ctypes.c_void_p).value
            for k in range(n_chars)
        }
        for obj in _text_objects(page):
            if ctypes.cast(obj, ctypes.c_void_p).value not in seen and _may_hold_text(obj):
                return None, 0
        rect = c.FS_RECTF()
        matrix = c.FS_MATRIX()
        out: list[Glyph] = []
        quarters: Counter[int] = Counter()
        for k in range(n_chars):
            if c.FPDFText_IsGenerated(raw, k) == 1:
                continue
            code = c.FPDFText_GetUnicode(raw, k)
            unmapped = code == 0 or c.FPDFText_HasUnicodeMapError(raw, k) == 1
            if not unmapped and (code in (0xFFFE, 0xFFFF) or code < 0x20):
                continue
            if not c.FPDFText_GetLooseCharBox(raw, k, ctypes.byref(rect)):
                continue
            size = rect.top - rect.bottom
            if c.FPDFText_GetMatrix(raw, k, ctypes.byref(matrix)):
                # the nominal font size times the text matrix's scale, as pdfminer reports it
                scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                size = c.FPDFText_GetFontSize(raw, k) * scale or size
            text = "\ufffd" if unmapped else chr(code)  # no Unicode mapping: (cid:NN) garbage
            out.append(Glyph(text, rect.left, rect.right, height - rect.top, height - rect.bottom, size))
            angle = c.FPDFText_GetCharAngle(raw, k)  # clockwise, in radians
            if angle >= 0 and not text.isspace():
                quarters[-round(angle / (math.pi / 2)) % 4] += 1
        return out, (quarters.most_common(1)[0][0] if quarters else 0)
    finally:
        textpage.close()


def _text_objects(page):
    import pypdfium2.raw as c

    def walk(obj):
        kind = c.FPDFPageObj_GetType(obj)
        if kind == c.FPDF_PAGEOBJ_TEXT:
            yield obj
        elif kind == c.FPDF_PAGEOBJ_FORM:
            for k in range(c.FPDFFormObj_CountObjects(obj)):
                yield from walk(c.FPDFFormObj_GetObject(obj, k))

    for k in range(c.FPDFPage_CountObjects(page.raw)):
        yield from walk(c.FPDFPage_GetObject(page.raw, k))


def _may_hold_text(obj) -> bool:
    """Whether a text object PDFium left out of its text page may still draw characters.

    PDFium skips text objects it measures as zero-width. Most are empty or blank (common in
    real files, harmless; their bounds are under 1 pt one way), but a lone CJK character in a
    non-embedded CJK font (symbolic flag set, e.g. STSong-Light with a predefined CMap) is
    measured zero-width too and silently lost.
    """
    import pypdfium2.raw as c

    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if c.FPDFPageObj_GetBounds(
        obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    ) and (right.value - left.value > 1.0 and top.value - bottom.value > 1.0):
        return True
    font = c.FPDFTextObj_GetFont(obj)
    symbolic = 1 << 2  # PDF font descriptor flag 3
    return bool(font) and not c.FPDFFont_GetIsEmbedded(font) and bool(c.FPDFFont_GetFlags(font) & symbolic)


def _plumber_page(data: bytes, number: int):
    """The page as pdfminer reads it (the slow, complete path): glyphs, edges, size, turns."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[number - 1]
        try:
            chars = page.dedupe_chars().chars
            glyphs = [
                Glyph(
                    "\ufffd" if ch["text"].startswith("(cid:") else ch["text"],
                    ch["x0"], ch["x1"], ch["top"], ch["bottom"], ch["size"],
                )
                for ch in chars
            ]
            quarters = Counter(
                round(math.atan2(ch["matrix"][1], ch["matrix"][0]) / (math.pi / 2)) % 4
                for ch in chars
                if not ch["text"].isspace()
            )
            edges = [dict(e) for e in page.edges]
            turns = quarters.most_common(1)[0][0] if quarters else 0
            return glyphs, edges, float(page.width), float(page.height), turns
        finally:
            page.close()


def _edges(page, height: float) -> list[dict]:
    """Horizontal and vertical segments of every drawn path, as pdfplumber's edge dicts."""
    import pypdfium2.raw as c

    out: list[dict] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    m = c.FS_MATRIX()

    def points(path, ctm):
        a, b, cc, d, e, f = ctm
        start = None
        prev = None
        for k in range(c.FPDFPath_CountSegments(path)):
            seg = c.FPDFPath_GetPathSegment(path, k)
            c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
            pt = (a * x.value + cc * y.value + e, height - (b * x.value + d * y.value + f))
            kind = c.FPDFPathSegment_GetType(seg)
            if kind == c.FPDF_SEGMENT_MOVETO:
                start = prev = pt
                continue
            if prev is not None:
                _edge(prev, pt, out)
            prev = pt
            if c.FPDFPathSegment_GetClose(seg) and start is not None:
                _edge(pt, start, out)
                prev = start

    def walk(obj, ctm):
        kind = c.FPDFPageObj_GetType(obj)
        if kind not in (c.FPDF_PAGEOBJ_PATH, c.FPDF_PAGEOBJ_FORM):
            return
        if not c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
            return
        own = _compose((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
        if kind == c.FPDF_PAGEOBJ_PATH:
            points(obj, own)
        else:
            for k in range(c.FPDFFormObj_CountObjects(obj)):
                walk(c.FPDFFormObj_GetObject(obj, k), own)

    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for k in range(c.FPDFPage_CountObjects(page.raw)):
        walk(c.FPDFPage_GetObject(page.raw, k), identity)
    return out


def _compose(inner, outer):
    """The matrix applying `inner` first, then `outer` (PDF row-vector convention)."""
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


def _edge(p0, p1, out: list[dict]) -> None:
    (x0, y0), (x1, y1) = p0, p1
    if abs(x0 - x1) < 0.01:
        orientation = "v"
    elif abs(y0 - y1) < 0.01:
        orientation = "h"
    else:
        return  # a slanted segment or curve is no table ruling
    left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    out.append(
        {
            "object_type": "line",
            "orientation": orientation,
            "x0": left,
            "x1": right if orientation == "h" else left,
            "top": top,
            "bottom": bottom if orientation == "v" else top,
            "width": right - left if orientation == "h" else 0.0,
            "height": bottom - top if orientation == "v" else 0.0,
            "doctop": top,
        }
    )


