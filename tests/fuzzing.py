"""Fuzzing the command line with mutated workbooks and CSVs (issue 5, item 6).

Mutants are made from the real sample inputs in sample_data/: byte flips and truncations
of the whole file, corruption of single zip members of the workbook (flipped, cut,
duplicated or replaced XML, tokens that name impossible cells or counts), random bytes
in and around the CSVs, other encodings, random garbage. Each is run through the real
CLI (typer's CliRunner) in a worker process, so that a crash in native code (calamine,
Arrow) is seen as the worker dying instead of taking the test run with it.

A mutant passes when the CLI exits 0, 1 or 2, prints no traceback, and on exit 2 prints
one line. Anything else is a crash: a dead worker (signal), a hang, another exit code, an
exception escaping the CLI, a traceback, an "unexpected" error (a bug of ours turned
into one line), more than one line on stderr, or text a native library wrote to the
process's stderr behind Python's back.

    python tests/fuzzing.py --mutants 2000 --seed 1 [--keep DIR]   # a long pass
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
TIMEOUT = 60.0

NASTY_XML = [
    b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    b'<row r="3"><c r="XFD3"><v>1</v></c></row>',
    b'<c r="ZZZZ9"><v>1</v></c>',
    b'<c r="A99999999"><v>1</v></c>',
    b'<c r="A0"><v>1</v></c>',
    b'<c r="B2" t="e"><v>#N/A</v></c>',
    b'<c r="B2" t="s"><v>999999999</v></c>',
    b'<c r="B2" t="s"><v>-1</v></c>',
    b'<c r="B2"><v>1e308</v></c>',
    b'<c r="B2"><v>NaN</v></c>',
    b'<c r="B2" t="d"><v>not a date</v></c>',
    b'<c r="B2" t="b"><v>2</v></c>',
    b'<c r="B2" s="99999"><v>43647</v></c>',
    b'<c r="B2"><v>370523196906116000</v></c>',
    b"<c><v>1</v></c>" * 50,
    b"<row><c><v>1</v></c></row>" * 50,
    b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    b'<mergeCells count="2"><mergeCell ref="A2:H9"/><mergeCell ref="A2:H9"/></mergeCells>',
    b'<mergeCell ref="C3:A1"/>',
    b'<dimension ref="A1:XFD1048576"/>',
    b'<sst count="4000000000" uniqueCount="4000000000">',
    b"&#0;&#1;&#xFFFF;",
    b"<![CDATA[=cmd|' /C calc'!A0]]>",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    b'<sheet name="S" sheetId="9" state="hidden" r:id="rId99"/>',
    b'<sheet name="\xe8\x8a\xb1\xe5\x90\x8d\xe5\x86\x8c" sheetId="1" r:id="rId1"/>',
    b'<Relationship Id="rId1" Type="x/worksheet" Target="../../../../etc/passwd"/>',
    b'<numFmt numFmtId="31" formatCode="yyyy&quot;\xe5\xb9\xb4&quot;"/>',
    b'<xf numFmtId="999999"/>',
    b"\xff\xfe\x00<",
    b'=HYPERLINK("http://x")',
]
NASTY_TEXT = [
    b"=cmd|' /C calc'!A0",
    b"+1+1",
    b"-2-2",
    b"@SUM(A1)",
    b"\t=1",
    b"\r=1",
    b'"',
    b'""""',
    b"\x00",
    b"\r",
    b"\n\n\n",
    b"," * 200,
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x81\x30\x81\x30",
    "身份证号码".encode(),
    b"110101199001011237",
    "１１０１０１１９９００１０１１２３７".encode(),
    b"x" * 300_000,
    "合计".encode(),
    "2019年2月30日".encode(),
]


@dataclass
class Mutant:
    name: str
    data: bytes
    suffix: str
    table: str
    how: str


@dataclass
class Outcome:
    mutant: str
    how: str
    exit_code: int | None
    problem: str = ""
    stderr: str = ""
    seconds: float = 0.0


@dataclass
class Summary:
    tried: int = 0
    by_exit: Counter = field(default_factory=Counter)
    crashes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def as_text(self) -> str:
        lines = [
            f"mutants tried: {self.tried} in {self.seconds:.0f} s",
            "exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.by_exit.items())),
            f"crashes: {len(self.crashes)}",
        ]
        for c in self.crashes[:40]:
            lines.append(
                f"  {c.mutant} [{c.how}] exit={c.exit_code}: {c.problem} {c.stderr[:300]!r}"
            )
        return "\n".join(lines)


# --------------------------------------------------------------------------- mutations


def _flip(rng: random.Random, data: bytes, n: int | None = None) -> bytes:
    out = bytearray(data)
    for _ in range(n or rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _splice(rng: random.Random, data: bytes, snippets: list[bytes]) -> tuple[bytes, str]:
    """One structural change: delete, duplicate or insert a span, or change a number."""
    if not data:
        return rng.choice(snippets), "insert into empty"
    op = rng.choice(["delete", "duplicate", "insert", "insert", "number", "truncate", "flip"])
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.choice([1, 4, 16, 64, 512, 4096]))
    if op == "delete":
        return data[:i] + data[j:], op
    if op == "duplicate":
        return data[:j] + data[i:j] * rng.choice([1, 2, 10]) + data[j:], op
    if op == "insert":
        return data[:i] + rng.choice(snippets) + data[i:], op
    if op == "truncate":
        return data[:i], op
    if op == "flip":
        return _flip(rng, data), op
    # a digit run somewhere after i becomes another number
    k = next((p for p in range(i, min(len(data), i + 4096)) if 48 <= data[p] <= 57), None)
    if k is None:
        return _flip(rng, data), "flip"
    end = k
    while end < len(data) and 48 <= data[end] <= 57:
        end += 1
    number = str(rng.choice([0, 1, 2, 9, 26, 27, 16384, 16385, 1048576, 1048577, 10**9, 10**18,
                             rng.randrange(10**rng.randint(1, 12))])).encode()  # fmt: skip
    return data[:k] + number + data[end:], "number"


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # a duplicate member name is the point
        for info, data in members:
            zf.writestr(info.filename, data)
    return buf.getvalue()


def mutate_workbook(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    op = rng.choices(["flip", "truncate", "member", "member", "member", "member", "drop"],
                     k=1)[0]  # fmt: skip
    if op == "flip":
        return _flip(rng, data), "file: flip bytes"
    if op == "truncate":
        return data[: rng.randrange(len(data))], "file: truncate"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    names = [m[0].filename for m in members]
    weights = [8 if "worksheets/" in n or n == "content.xml" else 4 if "sharedStrings" in n or n.endswith("workbook.xml")
               else 2 if n.endswith(".rels") or "styles" in n else 1 for n in names]  # fmt: skip
    k = rng.choices(range(len(members)), weights=weights, k=1)[0]
    if op == "drop":
        del members[k]
        return _rezip(members), f"drop {names[k]}"
    info, body = members[k]
    how = []
    for _ in range(rng.choice([1, 1, 2, 3])):
        if rng.random() < 0.05:
            body, what = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300))), "garbage"
        else:
            body, what = _splice(rng, body, NASTY_XML)
        how.append(what)
    members[k] = (info, body)
    if rng.random() < 0.1:  # the same member twice
        members.append((info, members[k][1]))
        how.append("twice")
    return _rezip(members), f"{names[k]}: {'+'.join(how)}"


def mutate_text(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    op = rng.choice(["flip", "truncate", "splice", "splice", "splice", "encode", "garbage"])
    if op == "flip":
        return _flip(rng, data), "flip"
    if op == "truncate":
        return data[: rng.randrange(len(data))], "truncate"
    if op == "garbage":
        size = rng.choice([1, 10, 1000, 100_000])
        return bytes(rng.randrange(256) for _ in range(size)), "garbage"
    if op == "encode":
        text = data.decode("utf-8", errors="replace")
        encoding = rng.choice(["gb18030", "utf-16", "utf-8-sig", "utf-16-le"])
        body = text.encode(encoding, errors="replace")
        if encoding == "utf-16-le":
            body = codecs.BOM_UTF16_LE + body
        return _splice(rng, body, NASTY_TEXT)[0], f"encode {encoding}+splice"
    how = []
    for _ in range(rng.choice([1, 2, 3, 5])):
        data, what = _splice(rng, data, NASTY_TEXT)
        how.append(what)
    return data, "+".join(how)


def _rewritten_workbooks() -> dict[str, bytes]:
    """The sample roster as written by other tools: xlsxwriter (a shared-string table,
    which the sample lacks) and a minimal OpenDocument file (the calamine path)."""
    from xml.sax.saxutils import escape

    import openpyxl
    import xlsxwriter

    rows = [
        ["" if v is None else v for v in row]
        for row in openpyxl.load_workbook(SAMPLES / "trainees.xlsx").active.iter_rows(
            values_only=True
        )
    ][:120]
    buf = io.BytesIO()
    with xlsxwriter.Workbook(buf, {"in_memory": True}) as book:
        sheet = book.add_worksheet("花名册")
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        sheet.merge_range(len(rows), 0, len(rows), 3, "合计")
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
            for v in row
        )
        + "</table:table-row>"
        for row in rows
    )
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')  # fmt: skip
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
               f'<office:spreadsheet><table:table table:name="S">{cells}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")  # fmt: skip
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        "</manifest:manifest>"
    )
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", manifest)
    return {".xlsx": buf.getvalue(), ".ods": ods.getvalue()}


def mutants(n: int, seed: int) -> list[Mutant]:
    rng = random.Random(seed)
    sample = (SAMPLES / "trainees.xlsx").read_bytes()
    others = _rewritten_workbooks()
    texts = {
        "certificates": (SAMPLES / "certificates.csv").read_bytes(),
        "payments": (SAMPLES / "payments.csv").read_bytes(),
    }
    out = []
    for i in range(n):
        if rng.random() < 0.55:
            base = rng.choice(["sample"] * 3 + [".xlsx", ".ods"])
            data, how = mutate_workbook(rng, sample if base == "sample" else others[base])
            suffix = rng.choice([".ods" if base == ".ods" else ".xlsx"] * 8 + [".xls", ".csv"])
            out.append(Mutant(f"m{i:05d}", data, suffix, "trainees", f"{base} {how}"))
        else:
            table = rng.choice(list(texts))
            data, how = mutate_text(rng, texts[table])
            suffix = rng.choice([".csv"] * 8 + [".xlsx", ".txt"])
            out.append(Mutant(f"m{i:05d}", data, suffix, table, how))
    return out


# --------------------------------------------------------------------------- running


def _serve() -> None:
    """The worker: one JSON request a line on stdin, one JSON answer a line on stdout."""
    from typer.testing import CliRunner

    from trainaudit.cli import app

    runner = CliRunner()
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the protocol stream
    for line in sys.stdin:
        request = json.loads(line)
        started = time.perf_counter()
        result = runner.invoke(app, request["args"])
        exc = result.exception
        escaped = exc is not None and not isinstance(exc, SystemExit)
        answer = {
            "exit_code": result.exit_code,
            "stdout": result.stdout[-2000:],
            "stderr": result.stderr[-2000:],
            "exception": f"{type(exc).__name__}: {exc}"[:500] if escaped else "",
            "seconds": time.perf_counter() - started,
        }
        out.write(json.dumps(answer) + "\n")
        out.flush()


class Worker:
    """A python process running `_serve`, restarted after a crash or a hang."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None
        self.err_path = workdir / "worker-stderr.txt"

    def start(self) -> None:
        self.err = self.err_path.open("ab")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TRAINAUDIT_LANG": "en"}
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            env=env,
            cwd=self.workdir,
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.err.close()

    def run(self, args: list[str], timeout: float) -> tuple[dict | None, str, str]:
        """(answer or None, problem, text the process wrote to its own stderr)."""
        if self.proc is None:
            self.start()
        before = self.err_path.stat().st_size
        assert self.proc is not None and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write((json.dumps({"args": args}) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else b""
        self.err.flush()
        native = self.err_path.read_bytes()[before:].decode("utf-8", "replace")
        if not line:
            code = self.proc.poll()
            problem = (
                f"worker died (status {code})" if ready else f"hang: no answer in {timeout:.0f} s"
            )
            self.stop()
            return None, problem, native
        return json.loads(line), "", native


def check(answer: dict, native: str) -> str:
    """What is wrong with one CLI run, or ""."""
    code = answer["exit_code"]
    stderr = answer["stderr"]
    if answer["exception"]:
        return f"exception escaped the CLI: {answer['exception']}"
    if code not in (0, 1, 2):
        return f"exit code {code}"
    if "Traceback" in stderr or "Traceback" in answer["stdout"]:
        return "traceback"
    if "unexpected" in stderr:
        return "unexpected error (a bug of ours)"
    if code == 2 and len(stderr.strip().splitlines()) != 1:
        return f"{len(stderr.strip().splitlines())} lines on stderr"
    if native.strip():
        return "native library wrote to stderr"
    return ""


def fuzz(
    n: int, seed: int, workdir: Path, full_every: int = 20, verify_outputs: bool = False
) -> Summary:
    """Run `n` mutants through the CLI; every `full_every`-th writes --out and --findings."""
    summary = Summary()
    started = time.perf_counter()
    worker = Worker(workdir)
    try:
        for i, m in enumerate(mutants(n, seed)):
            path = workdir / f"{m.name}{m.suffix}"
            path.write_bytes(m.data)
            full = full_every and i % full_every == 0
            if full:
                out, found = workdir / f"{m.name}.out.xlsx", workdir / f"{m.name}.findings.csv"
                args = ["validate", str(path), "--table", m.table, "-q", "--lang", "en",
                        "--out", str(out), "--findings", str(found)]  # fmt: skip
            else:
                args = ["audit", f"--{m.table}", str(path), "--rules", "D001", "-q",
                        "--lang", "en"]  # fmt: skip
            answer, problem, native = worker.run(args, TIMEOUT)
            summary.tried += 1
            code = answer["exit_code"] if answer else None
            summary.by_exit[code] += 1
            if answer is not None:
                problem = check(answer, native)
                if not problem and full and verify_outputs and code in (0, 1):
                    problem = _verify_outputs(out)
            if problem:
                summary.crashes.append(
                    Outcome(
                        m.name, m.how, code, problem, (answer or {}).get("stderr", "") + native, 0.0
                    )  # fmt: skip
                )
            else:
                path.unlink()
                if full:
                    for p in (out, found):
                        p.unlink(missing_ok=True)
    finally:
        worker.stop()
    summary.seconds = time.perf_counter() - started
    return summary


def _verify_outputs(out: Path) -> str:
    """The annotated workbook opens and holds no formula."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(out)
    except Exception as exc:  # noqa: BLE001 - any failure to reopen is the finding
        return f"output workbook does not open: {type(exc).__name__}: {exc}"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    return f"formula in output {ws.title}!{cell.coordinate}"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mutants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--full-every", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="folder for the crashing mutants")
    args = parser.parse_args()
    if args.serve:
        _serve()
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="trainaudit-fuzz-"))
    workdir.mkdir(parents=True, exist_ok=True)
    summary = fuzz(args.mutants, args.seed, workdir, args.full_every, verify_outputs=True)
    print(summary.as_text())
    print(f"crashing mutants kept in {workdir}")
    sys.exit(1 if summary.crashes else 0)


if __name__ == "__main__":
    main()
