"""Render the pictures of the user guides from sample_data (`make docs-images`).

The guide shows an annotated workbook; pasting a screenshot would drift from what the
program writes, so the picture is made here from the demo data: audit sample_data in
Chinese and in English, keep the first rows of the clerk's own sheet and of the
findings sheet, print them with LibreOffice (headless) to PDF and turn the page into a
PNG with poppler's pdftoppm. Needs `soffice` and `pdftoppm` on PATH (Debian/Ubuntu:
apt-get install libreoffice-calc poppler-utils fonts-noto-cjk).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from trainaudit.report.workbook import _anchor_comments

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "sample_data"
IMAGES = HERE / "images"

VIEWS = {
    # picture name: (language, sheet, rows kept, columns kept)
    "workbook-roster.zh.png": ("zh", "花名册", 24, 14),
    "workbook-findings.zh.png": ("zh", "问题清单", 22, 8),
    "workbook-summary.zh.png": ("zh", "汇总", 22, 7),
    "workbook-roster.en.png": ("en", "花名册", 24, 14),
    "workbook-findings.en.png": ("en", "Findings", 22, 8),
    "workbook-summary.en.png": ("en", "Summary", 22, 7),
}


def audit(lang: str, out: Path) -> Path:
    """The demo audit, as `make demo` runs it, in `lang`."""
    report = out / f"report.{lang}.xlsx"
    args = [sys.executable, "-m", "trainaudit", "audit", "--lang", lang, "--quiet",
            "--fail-on", "never", "--out", str(report)]  # fmt: skip
    for table in ("trainees.xlsx", "certificates.csv", "payments.csv", "institutions.csv",
                  "watchlist.csv", "occupations.csv"):  # fmt: skip
        args += [f"--{table.split('.')[0]}", str(SAMPLES / table)]
    subprocess.run(args, check=True, cwd=ROOT)
    return report


def one_view(report: Path, sheet: str, rows: int, columns: int, out: Path) -> Path:
    """A copy of `report` holding `rows` rows × `columns` columns of `sheet`, laid out to
    print on one landscape page. For the clerk's own sheet: its title and header rows,
    then the stretch of rows with the most flagged cells (the first rows may have none)."""
    wb = openpyxl.load_workbook(report)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    ws = wb[sheet]
    if sheet == "花名册":
        keep_top = 3  # title, facts above the header, header
        flagged = [r for r in range(keep_top + 1, ws.max_row + 1)
                   if any(c.fill.fill_type for c in ws[r])]  # fmt: skip
        body = rows - keep_top
        start = max(range(keep_top + 1, max(ws.max_row - body, keep_top + 1) + 1),
                    key=lambda s: sum(s <= r < s + body for r in flagged))  # fmt: skip
        if start > keep_top + 1:
            ws.delete_rows(keep_top + 1, start - keep_top - 1)
    if ws.max_row > rows:
        ws.delete_rows(rows + 1, ws.max_row - rows)
    if ws.max_column > columns:
        ws.delete_cols(columns + 1, ws.max_column - columns)
    ws._charts = []  # the chart sits beside the tables; the picture shows the tables
    ws.print_area = f"A1:{openpyxl.utils.get_column_letter(columns)}{rows}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.print_options.gridLines = True
    path = out / f"{report.stem}.{len(list(out.iterdir()))}.xlsx"
    wb.save(path)
    return path


def comment_view(report: Path, sheet: str, out: Path) -> Path:
    """The clerk's sheet around the cell whose comment has the most lines, that comment
    shown beside its cell as Excel shows it on hover (the others removed), printed as
    displayed: a picture of what the clerk reads on a flagged cell."""
    wb = openpyxl.load_workbook(report)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    ws = wb[sheet]
    noted = [(c.comment.text.count("\n"), -c.row, c.column) for row in ws.iter_rows()
             for c in row if c.comment is not None]  # fmt: skip
    _, row, column = max(noted)
    row = -row
    for line in ws.iter_rows():
        for cell in line:
            if cell.comment is not None and (cell.row, cell.column) != (row, column):
                cell.comment = None
    first = max(4, row - 4)  # title, facts and header rows, then the rows around the cell
    ws.delete_rows(row + 14, ws.max_row)  # room below for the box
    ws.delete_rows(4, first - 4)
    row -= first - 4
    ws.delete_cols(column + 4, ws.max_column)
    ws.print_area = f"A2:{get_column_letter(column + 3)}{ws.max_row}"  # not the wide title
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    path = out / "comment.xlsx"
    wb.save(path)
    _anchor_comments(path, wb)  # as the report itself does: the box sized to its text
    # openpyxl writes comments hidden at one fixed place: show this one beside its cell
    points = sum((ws.column_dimensions[get_column_letter(i)].width or 8.43) * 5.25
                 for i in range(1, column + 1))  # fmt: skip
    top = sum(ws.row_dimensions[i].height or 15 for i in range(1, row))
    shown = out / "comment-shown.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(shown, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".vml"):
                data = data.replace(b"visibility:hidden", b"visibility:visible")
                place = f"margin-left:{points + 6:.1f}pt;margin-top:{top:.1f}pt".encode()
                data = re.sub(rb"margin-left:[\d.]+pt;margin-top:[\d.]+pt", place, data)
            elif item.filename.startswith("xl/worksheets/") and b"<pageSetup " in data:
                data = data.replace(b"<pageSetup ", b'<pageSetup cellComments="asDisplayed" ')
            dst.writestr(item, data)
    return shown


def to_png(xlsx: Path, png: Path, out: Path) -> None:
    """Print `xlsx` to PDF (LibreOffice), its first page to pixels (pdftoppm), and write
    the part of the page that holds something as `png`."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    str(xlsx)], check=True, capture_output=True, timeout=300)  # fmt: skip
    pdf = out / (xlsx.stem + ".pdf")
    ppm = out / xlsx.stem
    subprocess.run(["pdftoppm", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ppm)], check=True, timeout=120)  # fmt: skip
    width, height, pixels = read_ppm(Path(f"{ppm}.ppm"))
    write_png(png, *trimmed(width, height, pixels, margin=12))


def read_ppm(path: Path) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a binary PPM (P6, 8 bits), as pdftoppm writes it."""
    data = path.read_bytes()
    fields, at = [], 0
    while len(fields) < 4:
        while data[at : at + 1].isspace():
            at += 1
        end = at
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    assert fields[0] == b"P6" and fields[3] == b"255", "pdftoppm writes 8-bit P6"
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[at + 1 : at + 1 + width * height * 3]


def trimmed(width: int, height: int, pixels: bytes, margin: int) -> tuple[int, int, bytes]:
    """The smallest box around the non-white pixels, with `margin` pixels of white."""
    stride = width * 3
    white = b"\xff" * stride
    lines = [i for i in range(height) if pixels[i * stride : (i + 1) * stride] != white]
    if not lines:
        return width, height, pixels
    top, bottom = max(lines[0] - margin, 0), min(lines[-1] + margin + 1, height)
    left, right = width, 0
    for i in range(top, bottom):
        row = pixels[i * stride : (i + 1) * stride].rstrip(b"\xff")
        if row:
            right = max(right, -(-len(row) // 3))
            left = min(left, (len(row) - len(row.lstrip(b"\xff"))) // 3)
    left, right = max(left - margin, 0), min(right + margin, width)
    box = b"".join(
        pixels[i * stride + left * 3 : i * stride + right * 3] for i in range(top, bottom)
    )
    return right - left, bottom - top, box


def write_png(path: Path, width: int, height: int, pixels: bytes) -> None:
    """A plain RGB PNG (no Pillow needed): each row filtered with type 0, zlib level 9."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    stride = width * 3
    raw = b"".join(b"\x00" + pixels[i * stride : (i + 1) * stride] for i in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    missing = [tool for tool in ("soffice", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        print(f"docs/images.py: {', '.join(missing)} not found; install libreoffice-calc and "
              "poppler-utils (and fonts-noto-cjk for Chinese)", file=sys.stderr)  # fmt: skip
        return 2
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        reports = {lang: audit(lang, work) for lang in ("zh", "en")}
        for name, (lang, sheet, rows, columns) in VIEWS.items():
            view = one_view(reports[lang], sheet, rows, columns, work)
            to_png(view, IMAGES / name, work)
            print(IMAGES.relative_to(ROOT) / name)
        for lang in ("zh", "en"):
            name = f"workbook-comment.{lang}.png"
            to_png(comment_view(reports[lang], "花名册", work), IMAGES / name, work)
            print(IMAGES.relative_to(ROOT) / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
