"""Inputs the hostile-input tests make for themselves: good rosters in every format, and
the broken, huge and odd files clerks and systems produce (issue 5)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from trainaudit.ids import make_id
from trainaudit.io.xlsx_scan import column_letters

HEADER = [
    "姓名",
    "身份证号码",
    "培训机构",
    "班级编号",
    "培训工种",
    "培训等级",
    "开班日期",
    "结业日期",
]
HEADER_WITH_GENDER = [*HEADER[:2], "性别", *HEADER[2:]]
"""The roster header of the CLI and nightly tests (a gender column after the ID)."""
ALICE = make_id("140105", dt.date(1990, 1, 2), 123)
BOB = make_id("140107", dt.date(1985, 5, 6), 222)
ROWS = [
    ["张伟", ALICE, "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ["李娜", BOB, "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def roster_xlsx(path: Path, rows: list[list] | None = None) -> Path:
    return write_xlsx(path, {"花名册": [HEADER, *(ROWS if rows is None else rows)]})


def roster_csv(path: Path, rows: list[list] | None = None) -> Path:
    return write_csv(path, [HEADER, *(ROWS if rows is None else rows)])


def rezip(src: Path, dst: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of workbook `src` with some members replaced (None: removed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    zout.writestr(info.filename, change[info.filename])
            else:
                zout.writestr(info, zin.read(info))
        for name, data in change.items():
            if name not in zin.namelist() and data is not None:
                zout.writestr(name, data)
    return dst


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)


def inline_cell(ref: str, text: str) -> bytes:
    """One cell holding `text` as an inline string."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_and_rows_xml(rows: list[list] | None = None) -> bytes:
    """`<row>` elements of the header and the rows, as inline strings from A1."""
    out = []
    for r, values in enumerate([HEADER, *(ROWS if rows is None else rows)], start=1):
        cells = b"".join(inline_cell(f"{chr(65 + c)}{r}", str(v)) for c, v in enumerate(values))
        out.append(f'<row r="{r}">'.encode() + cells + b"</row>")
    return b"".join(out)


def raw_xlsx(path: Path, sheet_parts, *, sheets: int = 1) -> Path:
    """A minimal workbook whose sheet XML is streamed from `sheet_parts` (an iterable of
    byte strings for inside <sheetData>), so that huge sheets cost no memory to build.
    With `sheets` > 1, every sheet gets the same parts (a list, then)."""
    names = [f"S{i + 1}" for i in range(sheets)]
    book = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(sheets)
        )
        + "</Relationships>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types '
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(sheets)
        )
        + "</Types>"
    )
    root = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root)
        zf.writestr("xl/workbook.xml", book)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        for i in range(sheets):
            with zf.open(f"xl/worksheets/sheet{i + 1}.xml", "w", force_zip64=True) as fh:
                fh.write(SHEET_HEAD + b"<sheetData>")
                for part in sheet_parts if sheets == 1 else list(sheet_parts):
                    fh.write(part)
                fh.write(b"</sheetData></worksheet>")
    return path


def encrypted_ole(path: Path) -> Path:
    """What Excel writes for a workbook saved with a password: an OLE container holding
    EncryptionInfo and EncryptedPackage streams."""
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 1000
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 200
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 1000
    )
    return path


def gb18030_with_bad_bytes(path: Path) -> Path:
    good = "\r\n".join(",".join(r) for r in [HEADER, ROWS[0]]).encode("gb18030")
    path.write_bytes(good + b"\r\n\xff\xfe\xff,1\r\n" + ",".join(ROWS[1]).encode("gb18030"))
    return path


def utf16_text(path: Path) -> Path:
    text = "\r\n".join("\t".join(r) for r in [HEADER, *ROWS]) + "\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    return path


def one_line_error(exc: pytest.ExceptionInfo, path: Path) -> str:
    """The error's message, checked to be one line naming the file."""
    message = str(exc.value)
    assert "\n" not in message
    assert path.name in message
    return message


def random_rows(rng) -> bytes:
    """Rows and cells as a damaged or odd writer may leave them: references missing, out
    of order, doubled, after other attributes, in single quotes, spaced, in lower case,
    tags with a prefix, cells with a value, an empty value or none."""

    def attr(name: str, value: object) -> str:
        quote = rng.choice('""\'')
        return f"{name}{rng.choice(['=', '=', ' = ', chr(9) + '=', '= '])}{quote}{value}{quote}"

    def ref(row: int, col: int) -> str:
        letters = column_letters(col)
        return f"{letters.lower() if rng.random() < 0.2 else letters}{row}"

    out, row = [], 0
    for _ in range(rng.randint(1, 12)):
        row = row + rng.randint(1, 400) if rng.random() < 0.8 else rng.randint(1, 4000)
        ns = rng.choice(["", "", "", "x:"])
        attrs = [attr("r", row)] if rng.random() < 0.85 else []
        out.append(f"<{ns}row {' '.join(attrs)}>")
        col = 0
        for _ in range(rng.randint(0, 6)):
            col = col + rng.randint(1, 30) if rng.random() < 0.8 else rng.randint(1, 300)
            attrs = []
            if rng.random() < 0.85:
                at_row = row if rng.random() < 0.9 else rng.randint(1, 4000)
                attrs.append(attr("r", ref(at_row, col)))
            if rng.random() < 0.3:
                attrs.insert(rng.randint(0, len(attrs)), attr("s", 2))
            for name in ("r", "R"):
                if rng.random() < 0.05:
                    attrs.append(attr(name, ref(rng.randint(1, 4000), rng.randint(1, 300))))
            gap = rng.choice([" ", "\n", "\t", "  "])
            head = f"<{ns}c{gap + gap.join(attrs) if attrs else ''}"
            kind = rng.random()
            if kind < 0.6:
                out.append(f"{head}><{ns}v>{rng.randint(0, 99)}</{ns}v></{ns}c>")
            elif kind < 0.75:
                out.append(f'{head} t="inlineStr"><{ns}is><{ns}t>x</{ns}t></{ns}is></{ns}c>')
            else:
                out.append(f"{head}/>" if rng.random() < 0.5 else f"{head}></{ns}c>")
        out.append(f"</{ns}row>")
    return "".join(out).encode()


def random_sheets(tmp_path: Path, count: int, cut: bool):
    """(seed, path) of `count` one-sheet workbooks of `random_rows`; with `cut`, a comment
    before the rows puts the 1 MiB read boundary at a random byte of them (inside a tag,
    a reference, a value)."""
    import random

    for seed in range(count):
        rng = random.Random(seed)
        rows = random_rows(rng)
        parts = [rows]
        if cut:
            pad = (1 << 20) - len(SHEET_HEAD) - len(b"<sheetData>") - rng.randint(0, len(rows))
            parts.insert(0, b"<!--" + b" " * (pad - 7) + b"-->")
        yield seed, raw_xlsx(tmp_path / f"odd{seed % 3}.xlsx", parts)
