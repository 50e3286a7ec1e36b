"""Plain-text reader: decoding (the layouts are tested through the seeds in test_segment etc.)."""
from __future__ import annotations

import pytest

from pipeline import read_text
from pipeline.records import DocumentError

TEXT = "一、收入支出预算总体情况\n基本支出800.00万元。\n"

CUT = {  # bug (issue 15): a UTF-8 text cut mid-character failed as bad_encoding
    "utf8-last-char-2-of-3-bytes": (TEXT.encode() + "元".encode()[:2], 2),
    "utf8-last-char-1-of-3-bytes": (TEXT.encode() + "元".encode()[:1], 1),
    "utf8-bom-cut": ("\ufeff".encode() + TEXT.encode() + "元".encode()[:2], 2),
}


@pytest.mark.parametrize("data,dropped", CUT.values(), ids=CUT)
def test_utf8_cut_mid_character_is_read_with_a_warning(data, dropped):
    decoded = read_text.decode(data)
    assert [b.text for b in decoded.blocks] == ["一、收入支出预算总体情况", "基本支出800.00万元。"]
    assert decoded.warnings == (
        "truncated_text: the file ends in the middle of a UTF-8 character; "
        f"its last {dropped} bytes are left out",
    )


DECODES = {
    "utf8": (TEXT.encode(), TEXT.strip()),
    "gb18030": (TEXT.encode("gb18030"), TEXT.strip()),
    "utf16-le-bom": (TEXT.encode("utf-16"), TEXT.strip()),
    "utf16-be-bom": (b"\xfe\xff" + TEXT.encode("utf-16-be"), TEXT.strip()),
}


@pytest.mark.parametrize("data,text", DECODES.values(), ids=DECODES)
def test_encodings_read_without_warning(data, text):
    decoded = read_text.decode(data)
    assert "\n".join(b.text for b in decoded.blocks) == text and decoded.warnings == ()


BAD = {  # real bad encodings still fail
    "invalid-byte-mid-text": (TEXT.encode()[:10] + b"\xff\xfe\xfd" + TEXT.encode()[10:] + b"\x80", "bad_encoding"),
    "utf8-bom-then-invalid": ("\ufeff".encode() + b"abc\xff" + TEXT.encode(), "bad_encoding"),
    "invalid-last-byte": (TEXT.encode() + b"\xff", "bad_encoding"),
    "stray-continuation-bytes-at-end": (TEXT.encode() + b"\x85\x83", "bad_encoding"),
    "utf16-bom-odd-bytes": (TEXT.encode("utf-16") + b"\x00", "bad_encoding"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("data,reason", BAD.values(), ids=BAD)
def test_bad_encoding_fails(data, reason):
    with pytest.raises(DocumentError) as e:
        read_text.decode(data)
    assert e.value.reason == reason
