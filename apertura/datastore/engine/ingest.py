"""Read a tabular file (CSV/TSV, XLSX, JSON, Parquet), validate it, infer its types and write one Parquet file.

Large files never pass through Python's memory. DuckDB streams the CSV (every column read as text); types are
guessed from the first rows, then one pass writes the Parquet with strict casts, so that any value that
contradicts a guess, a malformed row (extra or missing cells, an unclosed quote, bytes that are not UTF-8), a
blank row or a leading-zero code in a number column stops it. Only then does a slower pass find every problem
and its place for the report, or correct a wrong guess from all values (codes such as INE "0101" stay text).
Only non-UTF-8 text (re-encoded in chunks) and XLSX (read row by row) pass through Python, as streams; JSON is
staged in DuckDB (in memory, spilling to disk).

`ingest_file` writes nothing in place: the Parquet goes to a temporary path under `workdir` and is moved to
`dest` only when the report is valid, so a failed ingest leaves whatever was published untouched.
"""

import codecs
import csv
import io
import os
import re
import shutil
import threading
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from django.utils.translation import gettext as _

from apertura.common.tabular import formula_start_sql

from .report import IngestError, Report
from .sql import ident, literal

SAMPLE_BYTES = 256 * 1024
DELIMITERS = [",", ";", "\t", "|"]
TRUE_VALUES = ["true", "True", "TRUE", "sí", "Sí", "SÍ", "si", "Si", "SI", "yes", "Yes", "YES"]
FALSE_VALUES = ["false", "False", "FALSE", "no", "No", "NO"]
# Formats of dates guessed besides ISO 8601, with a cheap pattern a value must match before it is parsed.
DATE_FORMATS = {"%d/%m/%Y": "%/%/____", "%d-%m-%Y": "%-%-____", "%Y/%m/%d": "____/%/%"}

Progress = Callable[[str, float], None]
# Row groups of 32k rows (DuckDB's default is 122k): a page of results reads only the row groups holding its
# rows, so smaller groups make first pages cheaper, at a small cost to full scans and file size.
PARQUET_OPTIONS = "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768)"


@dataclass
class IngestResult:
    report: dict
    schema: dict = field(default_factory=dict)
    row_count: int = 0
    parquet_path: Path | None = None
    # Set by the service, not the engine: why a valid file was kept back from publication (see report.held_reasons).
    held: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The file is valid and its Parquet was written (published, or held for the publisher's confirmation)."""
        return self.parquet_path is not None

    @property
    def published(self) -> bool:
        return self.ok and not self.held


@dataclass
class Limits:
    xlsx_max_uncompressed_bytes: int = 200 * 1024 * 1024
    xlsx_max_ratio: int = 200
    max_bytes: int = 10 * 1024 ** 3
    memory_limit: str = "512MB"
    threads: int = 2
    # The longest row (line of text) read, header included: beyond it a CSV is refused with the row named.
    max_line_bytes: int = 10 * 1024 * 1024


def ingest_file(source: Path, *, dest: Path, workdir: Path, schema: dict | None = None,
                progress: Progress | None = None, limits: Limits | None = None) -> IngestResult:
    """Validate `source` and, when valid, write it as Parquet to `dest` (rows in the file's order)."""
    source, dest, workdir = Path(source), Path(dest), Path(workdir)
    limits = limits or Limits()
    report = Report()
    progress = progress or (lambda stage, fraction: None)
    workdir.mkdir(parents=True, exist_ok=True)
    # In memory, spilling to the work folder beyond the memory limit (only JSON is ever staged as a table).
    con = duckdb.connect(config={
        "memory_limit": limits.memory_limit, "threads": limits.threads,
        "temp_directory": str(workdir / "spill"), "preserve_insertion_order": True})
    # Progress is read by a watcher thread (query_progress); DuckDB tracks it only with its bar enabled.
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    try:
        try:
            result = _ingest(con, source, dest, workdir, schema, progress, limits, report)
        except IngestError:
            result = None
        except duckdb.Error as exc:
            report.error("source-error", _("The file could not be read: %(reason)s") % {"reason": _short(exc)})
            result = None
        except (csv.Error, UnicodeError) as exc:  # Python's own readers: still the file's fault, still a report
            report.error("format-error", _("The file could not be read: %(reason)s") % {"reason": _short(exc)})
            result = None
        if result is None or not report.valid:
            return IngestResult(report=report.to_dict())
        return result
    finally:
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:300]


def _ingest(con, source, dest, workdir, schema, progress, limits, report,
            encoding: str | None = None) -> IngestResult | None:
    size = source.stat().st_size
    report.stats["bytes"] = size
    if size == 0:
        raise report.fatal("source-error", _("The file is empty."))
    if size > limits.max_bytes:
        raise report.fatal("source-error", _("The file is %(mb)s MB, more than the %(limit)s MB a table may have.") % {
            "mb": size // 1024 ** 2, "limit": limits.max_bytes // 1024 ** 2})
    with source.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    kind = sniff_format(head, report)
    report.facts["format"] = kind
    progress("reading", 0.05)
    if kind == "parquet":
        return _ingest_parquet(con, source, dest, workdir, report, progress)
    if kind == "json":
        labels = _stage_json(con, source, report)
        sources = {"head": "raw", "sample": "raw", "check": "raw", "write": "raw"}
    else:
        if kind == "xlsx":
            text_path, delimiter = _xlsx_to_csv(source, workdir, limits, report), ","
        else:
            encoding = encoding or detect_encoding(source, head, report)
            report.facts["encoding"] = encoding
            text_path = source if encoding == "utf-8" else _transcode(source, workdir, encoding, report)
            with text_path.open("rb") as handle:
                sample = handle.read(SAMPLE_BYTES).decode("utf-8", errors="replace")
            delimiter = detect_delimiter(sample, report)
            report.facts["delimiter"] = delimiter
        labels = _csv_header(text_path, delimiter, report, limits.max_line_bytes)
        sources = {mode: _csv_source(text_path, delimiter, len(labels), mode, limits.max_line_bytes)
                   for mode in ("sample", "check", "write")}
        sources["head"] = _csv_source(_head(text_path, workdir), delimiter, len(labels), "sample",
                                      limits.max_line_bytes)
    names = _check_labels(labels, report)
    fields = _guess(con, names, schema, sources, report)
    if not report.valid:
        return None
    tmp = workdir / "out.parquet"
    # The fast path, one pass: write the Parquet with a strict reader and strict casts that stop at the first
    # malformed row, value that does not fit its guessed type, blank row or leading-zero code in a number column.
    progress("reading", 0.1)
    rows = _write(con, fields, sources["write"], tmp, progress, strict=True)
    if rows is None:
        tmp.unlink(missing_ok=True)
        if kind == "csv" and encoding == "utf-8" and not head.startswith(codecs.BOM_UTF8):
            # The first bytes were UTF-8; if later ones are not, the file is in another encoding (or mixed).
            invalid = _first_invalid_utf8(source)
            if invalid is not None:
                return _ingest(con, source, dest, workdir, schema, progress, limits, report,
                               encoding=encoding_at(source, invalid, report))
        # The slow path: a pass that finds every problem and its place, then (if the file is valid after all,
        # a guess having been wrong) a pass that writes.
        progress("checking", 0.4)
        fields = _verify(con, names, fields, sources, report, progress, limits.max_line_bytes)
        if not report.valid:
            return None
        rows = _write(con, fields, sources["write"], tmp, progress, strict=False, start=0.7)
    else:
        _note_formulas(con, fields, report)
    for field_ in fields:
        field_.pop("declared", None)
    report.stats.update(rows=rows, fields=len(names))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    progress("done", 1.0)
    return IngestResult(report=report.to_dict(), schema={"fields": fields, "missingValues": [""]},
                        row_count=report.stats["rows"], parquet_path=dest)


# --- Recognising the file ------------------------------------------------------------------------------------

def sniff_format(head: bytes, report: Report) -> str:
    """What the file is, from its content (never from its name)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if _wide_encoding(head):
        return "csv"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    lowered = text[:2048].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in lowered:
        raise report.fatal("format-error", _(
            "This file is a web page (HTML), not a table. It was probably downloaded from a link that shows a "
            "page instead of the file itself: download the CSV or spreadsheet and upload that."))
    if text.startswith(b"%PDF"):
        raise report.fatal("format-error", _("This file is a PDF document, not a table. Upload the data as CSV, "
                                             "XLSX, JSON or Parquet."))
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        raise report.fatal("format-error", _(
            "This JSON file is not a table: it must be a list of records, like [{\"column\": \"value\"}, …]."))
    if b"\x00" in head:
        raise report.fatal("encoding-error", _(
            "This file is not text: it contains binary data. Upload the data as CSV, XLSX, JSON or Parquet."))
    return "csv"


def _wide_encoding(head: bytes) -> str | None:
    """The UTF-32 or UTF-16 codec that reads `head`, by its byte order mark or, without one, by its zero bytes."""
    # UTF-32 first: its little-endian mark (FF FE 00 00) begins with UTF-16's (FF FE).
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _utf32_without_bom(head) or _utf16_without_bom(head)


def _utf32_without_bom(head: bytes) -> str | None:
    """"utf-32-le" or "utf-32-be" when the two high bytes of every four are zero and the lowest is not (text of
    the Basic Multilingual Plane, mostly not NUL, saved as UTF-32 with no mark)."""
    sample = head[:4096]
    sample = sample[:len(sample) - len(sample) % 4]
    units = len(sample) // 4
    if units < 2:
        return None
    lanes = [sample[i::4].count(0) for i in range(4)]
    if lanes[2] >= 0.9 * units and lanes[3] >= 0.9 * units and lanes[0] <= 0.1 * units:
        return "utf-32-le"
    if lanes[0] >= 0.9 * units and lanes[1] >= 0.9 * units and lanes[3] <= 0.1 * units:
        return "utf-32-be"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when every other byte is zero (Latin text saved as UTF-16 with no mark)."""
    sample = head[:4096]
    half = len(sample) // 2
    sample = sample[:2 * half]
    if half < 2:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= 0.9 * half and even <= 0.1 * half:
        return "utf-16-le"
    if even >= 0.9 * half and odd <= 0.1 * half:
        return "utf-16-be"
    return None


def detect_encoding(path: Path, head: bytes, report: Report) -> str:
    """UTF-8 (with or without BOM), UTF-16 or UTF-32 (by the BOM, or the zero bytes without one) from the first
    bytes; otherwise the single-byte encoding charset-normalizer finds likeliest. (Bytes further on are checked
    when the file is read.)"""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if wide := _wide_encoding(head):
        return wide
    try:
        # A multi-byte character may be cut at the end of the sample: ignore the last few bytes.
        head.decode("utf-8") if len(head) < SAMPLE_BYTES else head[:-4].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return encoding_at(path, exc.start, report)


def encoding_at(path: Path, invalid: int, report: Report) -> str:
    """The encoding of a file whose first bytes up to `invalid` are ASCII; refused when they were UTF-8 with
    accents (two files pasted together: no one encoding reads both right)."""
    with path.open("rb") as handle:
        before = handle.read(invalid)
        window = handle.read(SAMPLE_BYTES)
    if not before.isascii():
        row = before.count(b"\n") + 1
        raise report.fatal("encoding-error", _(
            "The file mixes encodings: it is UTF-8 up to row %(row)s, where characters in another encoding begin. "
            "Save the whole file as UTF-8 and upload it again.") % {"row": row}, row=row)
    return _single_byte_encoding(before[-SAMPLE_BYTES:] + window, report)


def _single_byte_encoding(sample: bytes, report: Report) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1", "utf_16", "mac_roman", "cp850"]).best()
    encoding = best.encoding if best else "cp1252"
    encoding = {"latin_1": "cp1252", "iso8859_1": "cp1252"}.get(encoding, encoding)
    report.warn(_("The file is not in UTF-8; it was read as %(encoding)s. Check that accented letters look "
                  "right in the preview.") % {"encoding": encoding})
    return encoding


def _first_invalid_utf8(path: Path) -> int | None:
    """The offset of the first byte that is not valid UTF-8, or None (read in 4 MB chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return max(0, offset + exc.start - len(decoder.getstate()[0]))
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset - len(decoder.getstate()[0])
    return None


# Control characters no text table holds. Any byte sequence of even length decodes as UTF-16 nearly always: in a
# "UTF-16" file these betray binary data read as text.
_BINARY_IN_WIDE_TEXT = re.compile("[\x00-\x08\x0e-\x1f]")


def _transcode(source: Path, workdir: Path, encoding: str, report: Report) -> Path:
    """Re-encode to UTF-8 in 1 MB chunks (the file is never held whole in memory)."""
    target = workdir / "source.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    wide = encoding.startswith(("utf-16", "utf-32"))
    line, first = 1, True
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(1024 * 1024):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise report.fatal("encoding-error", _(
                    "The file's characters could not be read as %(encoding)s near row %(row)s. Save the file as "
                    "UTF-8 and upload it again.") % {"encoding": encoding, "row": line}, row=line) from exc
            if wide and (binary := _BINARY_IN_WIDE_TEXT.search(text)):
                row = line + text.count("\n", 0, binary.start())
                raise report.fatal("encoding-error", _(
                    "This file is not text: it contains binary data near row %(row)s. Upload the data as CSV, "
                    "XLSX, JSON or Parquet.") % {"row": row}, row=row)
            line += text.count("\n")
            out.write(text.lstrip("\ufeff") if first else text)
            first = False
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise report.fatal("encoding-error", _("The file ends in the middle of a character: it seems "
                                                   "truncated.")) from exc
    return target


def _unquoted_counts(line: str) -> Counter:
    counts, quoted = Counter(), False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in DELIMITERS:
            counts[char] += 1
    return counts


def detect_delimiter(sample: str, report: Report) -> str:
    """The delimiter each line uses most; lines disagreeing about it mean mixed delimiters (refused)."""
    lines = [line for line in sample.splitlines()[:200] if line.strip()]
    if len(sample) >= SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut
    if not lines:
        raise report.fatal("source-error", _("The file has no rows."))
    dominant = []
    for line in lines:
        counts = _unquoted_counts(line)
        dominant.append(counts.most_common(1)[0][0] if counts else None)
    used = Counter(d for d in dominant if d)
    if not used:
        return ","
    delimiter = used.most_common(1)[0][0]
    header_counts = _unquoted_counts(lines[0])
    if len(used) > 1:
        other = next(d for d, _n in used.most_common() if d != delimiter)
        row = next(i for i, d in enumerate(dominant) if d == other) + 1
        names = {",": _("comma"), ";": _("semicolon"), "\t": _("tab"), "|": _("vertical bar")}
        raise report.fatal("format-error", _(
            "The file mixes delimiters: most rows separate columns with a %(main)s but row %(row)s uses a "
            "%(other)s. Use one delimiter throughout the file.") % {
                "main": names[delimiter], "row": row, "other": names[other]}, row=row)
    if header_counts[delimiter] == 0 and len(lines) > 1:
        raise report.fatal("format-error", _("The header row has no delimiter while the other rows do."), row=1)
    return delimiter


# --- Sources: every format is read as text columns c1…cn --------------------------------------------------

def _csv_header(path: Path, delimiter: str, report: Report, max_line: int) -> list[str]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        first = _first_line(handle, max_line)
    if first is None:
        raise report.fatal("source-error", _(
            "The first row, which should name the columns, is longer than the %(limit)s MB a row may have. Check "
            "that the file is a table with one row per line, or split the long values.") % {
                "limit": _megabytes(max_line)}, row=1)
    # Python's CSV reader refuses fields over 128 KB by default: the line limit above is the deliberate one. The
    # reader's limit is the process's, so it is only ever raised (never lowered under another reader's feet).
    csv.field_size_limit(max(csv.field_size_limit(), max_line))
    labels = next(csv.reader(first, delimiter=delimiter), [])
    labels = [label.lstrip("\ufeff") for label in labels]
    if not any(label.strip() for label in labels):
        raise report.fatal("blank-header", _("The first row, which should name the columns, is empty."), row=1)
    return labels


def _head(path: Path, workdir: Path, size: int = 1024 * 1024) -> Path:
    """The first few MB, ending at a line end: where types are guessed (then checked on the whole file)."""
    with path.open("rb") as handle:
        head = handle.read(size)
    if len(head) < size:
        return path
    target = workdir / "head.csv"
    target.write_bytes(head[:head.rfind(b"\n") + 1] or head)
    return target


def _megabytes(size: int) -> str:
    return f"{round(size / 1024 ** 2, 3):g}"


def _csv_source(path: Path, delimiter: str, width: int, mode: str, max_line: int) -> str:
    """DuckDB's streaming CSV reader, every column as text: `check` records rejected rows (a row longer than
    `max_line` bytes among them), `sample` skips them, `write` (run only on a file already checked) fails on them."""
    columns = "{" + ", ".join(f"{literal(f'c{i + 1}')}: 'VARCHAR'" for i in range(width)) + "}"
    options = {"check": "store_rejects=true, rejects_limit=1000", "sample": "ignore_errors=true",
               "write": "strict_mode=true"}[mode]
    return (f"read_csv({literal(str(path))}, header=false, skip=1, delim={literal(delimiter)}, quote='\"', "
            f"escape='\"', columns={columns}, auto_detect=false, max_line_size={int(max_line)}, {options})")


def _first_line(handle, max_line: int) -> io.StringIO | None:
    """The header record (which may span lines inside quotes), or None when it is longer than `max_line`
    characters: read in bounded pieces, so that a file with no line break is never read whole into memory."""
    buffer, quoted, budget = [], False, max_line
    while line := handle.readline(budget + 1):
        budget -= len(line)
        if budget < 0:
            return None
        buffer.append(line)
        quoted ^= line.count('"') % 2 == 1
        if not quoted:
            break
    return io.StringIO("".join(buffer))


def _run_with_progress(con, sql: str, progress: Progress, start: float, end: float, stage: str = "reading"):
    done = threading.Event()

    def watch():
        while not done.wait(0.25):
            fraction = con.query_progress()
            if fraction and fraction > 0:
                progress(stage, start + (end - start) * min(fraction, 100) / 100)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return con.execute(sql).fetchall()  # fetched here: DuckDB runs a query to its end only as it is read
    finally:
        done.set()
        watcher.join()


LAST_SCAN = "scan_id = (SELECT max(scan_id) FROM reject_errors)"


def _report_rejects(con, labels: list[str], report: Report, max_line: int):
    try:
        rejects = con.execute(
            "SELECT line, column_idx, error_type::VARCHAR, count(*) OVER (PARTITION BY error_type) "
            f"FROM reject_errors WHERE {LAST_SCAN} ORDER BY line, column_idx").fetchall()
    except duckdb.Error:
        return
    seen_missing = set()
    for line, column, kind, _count in rejects:
        if kind == "TOO MANY COLUMNS":
            report.error("extra-cell", _(
                "Row %(row)s has more cells than the header has columns (%(n)s). Remove the extra cells, or "
                "quote the values that contain the delimiter.") % {"row": line, "n": len(labels)},
                row=line, field_number=len(labels) + 1)
        elif kind == "MISSING COLUMNS":
            if line in seen_missing:
                continue
            seen_missing.add(line)
            name = labels[column] if column is not None and column < len(labels) else None
            report.error("missing-cell", _(
                "Row %(row)s has fewer cells than the header has columns (%(n)s): it stops before column "
                "“%(name)s”. If the file was cut short, upload the complete file.") % {
                    "row": line, "n": len(labels), "name": name or "?"},
                row=line, field_number=(column or 0) + 1, field_name=name)
        elif kind == "LINE SIZE OVER MAXIMUM":
            report.error("source-error", _(
                "Row %(row)s is longer than the %(limit)s MB a row may have. Check that its quotation marks are "
                "closed, or split the long values.") % {"row": line, "limit": _megabytes(max_line)}, row=line)
        elif kind == "INVALID ENCODING":
            report.error("encoding-error", _(
                "Row %(row)s contains characters that are not valid UTF-8. Save the file as UTF-8 and upload "
                "it again.") % {"row": line}, row=line)
        else:
            report.error("format-error", _(
                "Row %(row)s could not be read: a quotation mark is not closed or a value is malformed. If "
                "the file was cut short, upload the complete file.") % {"row": line}, row=line)


def _check_labels(labels: list[str], report: Report) -> list[str]:
    """Field names: blank labels become field_N, duplicates get _2, _3… (each reported)."""
    names, seen = [], Counter()
    for number, label in enumerate(labels, start=1):
        name = label.strip()
        if not name:
            name = f"field_{number}"
            report.error("blank-label", _("Column %(n)s has no name in the header row.") % {"n": number},
                         row=1, field_number=number)
        seen[name] += 1
        if seen[name] > 1:
            report.error("duplicate-label", _(
                "Column %(n)s has the same name as an earlier column, “%(name)s”. Give each column its own "
                "name.") % {"n": number, "name": name}, row=1, field_number=number, field_name=name)
            name = f"{name}_{seen[name]}"
        names.append(name)
    return names


def _line_numbers(con) -> Callable[[int], int]:
    """The file row of the n-th row read (from 1): the header is row 1, and rows the reader refused are skipped."""
    try:
        refused = [r[0] for r in con.execute(
            f"SELECT DISTINCT line FROM reject_errors WHERE {LAST_SCAN} ORDER BY line").fetchall()]
    except duckdb.Error:
        refused = []

    def line_of(ordinal: int) -> int:
        line = ordinal + 1
        for refused_line in refused:
            if refused_line <= line:
                line += 1
        return line

    return line_of


def _stage_json(con, source: Path, report: Report) -> list[str]:
    try:
        con.execute(f"CREATE TABLE j AS SELECT * FROM read_json({literal(str(source))}, format='array', "
                    "records=true, maximum_object_size=16777216)")
    except duckdb.Error as exc:
        raise report.fatal("format-error", _(
            "The JSON file could not be read as a list of records (%(reason)s). If it was cut short, upload the "
            "complete file.") % {"reason": _short(exc)}) from exc
    described = con.execute("DESCRIBE j").fetchall()
    if [row[0] for row in described] == ["json"] or not described:
        raise report.fatal("format-error", _("This JSON file is not a list of records with named fields."))
    columns = []
    for i, (name, type_, *_rest) in enumerate(described):
        value = ident(name)
        if type_.startswith(("STRUCT", "MAP", "JSON")) or type_.endswith("]"):
            value = f"to_json({value})"
        columns.append(f"CAST({value} AS VARCHAR) AS c{i + 1}")
    con.execute(f"CREATE TABLE raw AS SELECT {', '.join(columns)} FROM j")
    con.execute("DROP TABLE j")
    return [row[0] for row in described]


def _xlsx_to_csv(source: Path, workdir: Path, limits: Limits, report: Report) -> Path:
    """The first sheet, row by row, into a UTF-8 CSV; refuses zip bombs before opening anything."""
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise report.fatal("format-error", _("The spreadsheet could not be opened: it is damaged or cut "
                                             "short. Save it again and upload the complete file.")) from exc
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if total > limits.xlsx_max_uncompressed_bytes or ratio > limits.xlsx_max_ratio:
        raise report.fatal("source-error", _(
            "The spreadsheet expands to %(mb)s MB when opened, more than the %(limit)s MB allowed (or it is "
            "compressed suspiciously much). Upload it as CSV instead.") % {
                "mb": total // (1024 * 1024), "limit": limits.xlsx_max_uncompressed_bytes // (1024 * 1024)})
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise report.fatal("format-error", _("This ZIP file is not an XLSX spreadsheet."))
    archive.close()
    from openpyxl import load_workbook

    target = workdir / "sheet.csv"
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        if len(workbook.worksheets) > 1:
            report.warn(_("The spreadsheet has %(n)s sheets; only the first, “%(name)s”, was read. Upload each "
                          "other sheet as its own resource.") % {"n": len(workbook.worksheets), "name": sheet.title})
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            width = None
            for row in sheet.iter_rows(values_only=True):
                cells = [_xlsx_text(value) for value in row]
                while cells and cells[-1] == "":
                    cells.pop()
                if width is None:
                    if not cells:
                        continue
                    width = len(cells)
                writer.writerow(cells + [""] * (width - len(cells)))
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise report.fatal("format-error", _("The spreadsheet could not be read: %(reason)s") % {
            "reason": _short(exc)}) from exc
    if width is None:
        raise report.fatal("source-error", _("The spreadsheet's first sheet is empty."))
    return target


def _xlsx_text(value) -> str:
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ingest_parquet(con, source, dest, workdir, report, progress) -> IngestResult | None:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(source)
        arrow_schema = meta.schema_arrow
    except Exception as exc:  # pyarrow raises several error types for damaged files
        raise report.fatal("format-error", _("The Parquet file could not be read: it is damaged or cut short "
                                             "(%(reason)s).") % {"reason": _short(exc)}) from exc
    names = _check_labels([name for name in arrow_schema.names if name != "_id"], report)
    if not report.valid:
        return None
    fields = [{"name": name, "type": _arrow_type(arrow_schema.field(name).type)} for name in names]
    tmp = workdir / "out.parquet"
    columns = ", ".join(ident(f["name"]) for f in fields)
    con.execute(f"COPY (SELECT {columns} FROM read_parquet({literal(str(source))})) "
                f"TO {literal(str(tmp))} {PARQUET_OPTIONS}")
    rows = meta.metadata.num_rows
    report.stats.update(rows=rows, fields=len(fields))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    progress("done", 1.0)
    return IngestResult(report=report.to_dict(), schema={"fields": fields, "missingValues": [""]},
                        row_count=rows, parquet_path=dest)


def _arrow_type(arrow_type) -> str:
    import pyarrow.types as t

    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_integer(arrow_type):
        return "integer"
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return "number"
    if t.is_date(arrow_type):
        return "date"
    if t.is_timestamp(arrow_type):
        return "datetime"
    return "string"


# --- Types ---------------------------------------------------------------------------------------------------

SAMPLE_ROWS = 5_000


def _nonempty(c: str) -> str:
    return f"NULLIF(trim({c}), '') IS NOT NULL"


def _fraction(c: str) -> str:
    # DuckDB rounds "12.5" and accepts "1e3" when casting text to BIGINT; neither is an integer here.
    return f"(contains({c}, '.') OR contains({c}, 'e') OR contains({c}, 'E'))"


def _leading_zero(c: str) -> str:
    # A "0" followed by a digit ("0101", not "0" or "0.5"), by string order: cheap on every row.
    return f"({c} >= '00' AND {c} < '0:')"


def _guess(con, names: list[str], schema: dict | None, sources: dict, report: Report) -> list[dict]:
    """Types guessed from the first rows; a type the publisher declared (by field name) wins."""
    declared = {f["name"]: f for f in (schema or {}).get("fields", []) if f.get("name")}
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE sample AS SELECT * FROM {sources['head']} LIMIT {SAMPLE_ROWS}")
    except duckdb.Error as exc:
        raise report.fatal("format-error", _(
            "The file could not be read as a table: a quotation mark is not closed or the file is cut short "
            "(%(reason)s). Upload the complete file.") % {"reason": _short(exc)}) from exc
    fields = _infer(con, "sample", names, range(len(names)))
    for i, field_ in enumerate(fields):
        if field_["name"] in declared:
            extra = {k: v for k, v in declared[field_["name"]].items() if k != "name"}
            if extra.get("type", field_["type"]) != field_["type"]:
                field_.pop("format", None)
            fields[i] = {**field_, **extra, "declared": True}
            if fields[i]["type"] not in CASTS:
                report.error("schema-error", _("Column “%(name)s” has an unknown type “%(type)s”.") % {
                    "name": field_["name"], "type": fields[i]["type"]}, field_number=i + 1, field_name=field_["name"])
                fields[i]["type"] = "string"
    return fields


def _blank(width: int) -> str:
    return f"coalesce({', '.join(f'c{i + 1}' for i in range(width))}) IS NULL"


def _verify(con, names: list[str], fields: list[dict], sources: dict, report: Report, progress,
            max_line: int) -> list[dict]:
    """Every value checked against the guessed types, in one pass, with each problem's place reported.

    A guess that some value contradicts is replaced by the type inferred from all values; a declared type is
    kept and each value that does not fit it is reported.
    """
    blank = _blank(len(names))
    blank = f"coalesce({', '.join(f'NULLIF(c{i + 1}, {literal(chr(32))})' for i in range(len(names)))}) IS NULL"
    checks = ["count(*)", f"count(*) FILTER ({blank})"]
    for i, field_ in enumerate(fields):
        c = f"c{i + 1}"
        if field_["type"] == "string":
            checks.append(f"count(*) FILTER ({formula_start_sql(c)})")
            continue
        wrong = f"({_cast(c, field_)}) IS NULL"
        if not field_.get("declared") and field_["type"] in ("integer", "number"):
            wrong += f" OR {_leading_zero(c)}"
        checks.append(f"count(*) FILTER ({c} IS NOT NULL AND ({wrong}) AND trim({c}) <> '')")
    counts = _run_with_progress(con, f"SELECT {', '.join(checks)} FROM {sources['check']}", progress, 0.4,
                                0.6, "checking")[0]
    rows, blanks, per_field = counts[0], counts[1], counts[2:]
    report.stats.update(rows=rows, fields=len(names))
    _report_rejects(con, names, report, max_line)
    line_of = _line_numbers(con)
    numbered = f"(SELECT row_number() OVER () AS _r, * FROM {sources['sample']})"
    if blanks:
        for (ordinal,) in con.execute(f"SELECT _r FROM {numbered} WHERE {blank} ORDER BY _r LIMIT 20").fetchall():
            report.error("blank-row", _("Row %(row)s is blank: all its cells are empty. Remove it.") % {
                "row": line_of(ordinal)}, row=line_of(ordinal), count=0)
        report.counts["blank-row"] = blanks
    progress("inferring types", 0.6)
    formulas = 0
    for i, (field_, bad) in enumerate(zip(fields, per_field, strict=True)):
        if field_["type"] == "string":
            formulas += bad
        elif bad and field_.get("declared"):
            _report_type_errors(con, numbered, i + 1, field_, bad, report, line_of)
        elif bad:
            fields[i] = _infer(con, sources["sample"], [field_["name"]], [i])[0]
    if formulas:
        report.warn(formula_warning())
    return fields


def _infer(con, source: str, names: list[str], indexes) -> list[dict]:
    """The narrowest type that fits every non-empty value of each column in `source`."""
    checks = []
    for i in indexes:
        c = f"c{i + 1}"
        # A failed cast or strptime costs far more than a pattern test, and an aggregate's argument is computed
        # for every row (its FILTER applies after): each CASE tries to parse only the values that may fit.
        numeric = f"regexp_matches({c}, '^\\s*[-+.0-9]') AND NOT {_leading_zero(c)}"
        checks += [f"count(NULLIF(trim({c}), ''))",
                   f"count(CASE WHEN {numeric} THEN {CASTS['integer'](c, {})} END)",
                   f"count(CASE WHEN {numeric} AND lower(trim({c}, ' +-')) NOT IN ('nan', 'inf', 'infinity') "
                   f"THEN TRY_CAST({c} AS DOUBLE) END)",
                   f"count(*) FILTER (trim({c}) IN ({', '.join(literal(v) for v in TRUE_VALUES + FALSE_VALUES)}))",
                   f"count(CASE WHEN {c} LIKE '____-__-__' THEN TRY_CAST({c} AS DATE) END)",
                   *[f"count(CASE WHEN {c} LIKE {literal(like)} THEN try_strptime({c}, {literal(fmt)}) END)"
                     for fmt, like in DATE_FORMATS.items()],
                   f"count(CASE WHEN {c} LIKE '____-__-__%:%' THEN TRY_CAST({c} AS TIMESTAMP) END)"]
    per = 6 + len(DATE_FORMATS)
    counts = con.execute(f"SELECT {', '.join(checks)} FROM {source}").fetchone()
    fields = []
    for k, name in enumerate(names):
        n, integers, numbers, booleans, iso_dates, *rest = counts[k * per:(k + 1) * per]
        other_dates, datetimes = rest[:-1], rest[-1]
        field_ = {"name": name, "type": "string"}
        if n and integers == n:
            field_["type"] = "integer"
        elif n and numbers == n:
            field_["type"] = "number"
        elif n and booleans == n:
            field_.update(type="boolean", trueValues=TRUE_VALUES, falseValues=FALSE_VALUES)
        elif n and iso_dates == n:
            field_["type"] = "date"
        elif n and any(count == n for count in other_dates):
            field_.update(type="date", format=list(DATE_FORMATS)[[c == n for c in other_dates].index(True)])
        elif n and datetimes == n:
            field_["type"] = "datetime"
        fields.append(field_)
    return fields


def _report_type_errors(con, numbered: str, number: int, field_: dict, total: int, report: Report, line_of):
    c = f"c{number}"
    bad = con.execute(f"SELECT _r, {c} FROM {numbered} WHERE {_nonempty(c)} AND ({_cast(c, field_)}) IS NULL "
                      "ORDER BY _r LIMIT 20").fetchall()
    for ordinal, value in bad:
        report.error("type-error", _(
            "Row %(row)s, column “%(name)s”: “%(value)s” is not a valid %(type)s.") % {
                "row": line_of(ordinal), "name": field_["name"], "value": value[:80],
                "type": type_words().get(field_["type"], field_["type"])},
            row=line_of(ordinal), field_number=number, field_name=field_["name"], count=0)
    report.counts["type-error"] = report.counts.get("type-error", 0) + total


def type_words() -> dict[str, str]:
    return {"integer": _("whole number"), "number": _("number"), "boolean": _("yes/no value"),
            "date": _("date"), "datetime": _("date and time"), "string": _("text")}


def _bool_cast(column: str, field_: dict) -> str:
    trues = ", ".join(literal(v) for v in field_.get("trueValues", TRUE_VALUES))
    falses = ", ".join(literal(v) for v in field_.get("falseValues", FALSE_VALUES))
    return f"CASE WHEN trim({column}) IN ({trues}) THEN true WHEN trim({column}) IN ({falses}) THEN false END"


def _date_cast(column: str, field_: dict, target: str) -> str:
    fmt = field_.get("format")
    if fmt and fmt not in ("default", "any"):
        return f"CAST(try_strptime({column}, {literal(fmt)}) AS {target})"
    return f"TRY_CAST({column} AS {target})"


CASTS = {
    "string": lambda c, f: c,
    "integer": lambda c, f: f"TRY_CAST(CASE WHEN NOT {_fraction(c)} THEN {c} END AS BIGINT)",
    "number": lambda c, f: f"TRY_CAST({c} AS DOUBLE)",
    "boolean": _bool_cast,
    "date": lambda c, f: _date_cast(c, f, "DATE"),
    "datetime": lambda c, f: _date_cast(c, f, "TIMESTAMP"),
}


def _cast(column: str, field_: dict) -> str:
    return CASTS.get(field_["type"], CASTS["string"])(column, field_)


def _strict_cast(c: str, field_: dict) -> str:
    """Like _cast, but a value that does not fit stops the query (the slow path then says where and why)."""
    type_, fmt = field_["type"], field_.get("format")
    if type_ in ("integer", "number"):
        checks = f"WHEN {_fraction(c)} THEN error('fraction') " if type_ == "integer" else ""
        if not field_.get("declared"):
            checks += f"WHEN {_leading_zero(c)} THEN error('leading zero') "
        value = f"CASE {checks}ELSE {c} END" if checks else c
        return f"CAST({value} AS {'BIGINT' if type_ == 'integer' else 'DOUBLE'})"
    if type_ in ("date", "datetime"):
        target = "DATE" if type_ == "date" else "TIMESTAMP"
        return f"CAST(strptime({c}, {literal(fmt)}) AS {target})" if fmt and fmt not in ("default", "any") \
            else f"CAST({c} AS {target})"
    if type_ == "boolean":
        # Untrimmed values are tried first: most files have no spaces around yes/no, and trim costs.
        trues = ", ".join(literal(v) for v in field_.get("trueValues", TRUE_VALUES))
        falses = ", ".join(literal(v) for v in field_.get("falseValues", FALSE_VALUES))
        return (f"CASE WHEN {c} IN ({trues}) THEN true WHEN {c} IN ({falses}) THEN false WHEN {c} IS NULL THEN NULL "
                f"ELSE coalesce({_cast(c, field_)}, error('type')) END")
    return c


def _write(con, fields: list[dict], source: str, target: Path, progress, *, strict: bool,
           start: float = 0.1) -> int | None:
    """COPY the typed rows to `target`; returns the row count, or None when a strict cast stopped it."""
    cast = _strict_cast if strict else _cast
    columns = ", ".join(f"{cast(f'c{i + 1}', f)} AS {ident(f['name'])}" for i, f in enumerate(fields))
    # A chain of ORs stops at the first non-empty cell of a row: only a blank row reaches the error.
    where = (" WHERE " + " OR ".join(f"c{i + 1} IS NOT NULL" for i in range(len(fields))) +
             " OR CAST(error('blank row') AS BOOLEAN)") if strict else ""
    try:
        result = _run_with_progress(con, f"COPY (SELECT {columns} FROM {source}{where}) TO {literal(str(target))} "
                                         f"{PARQUET_OPTIONS}", progress, start, 0.99, "writing")
    except duckdb.Error:
        if strict:
            return None
        raise
    return result[0][0]


def _note_formulas(con, fields: list[dict], report: Report):
    """Warn about text that spreadsheets would run as formulas (looked for in the first rows)."""
    text = [f"c{i + 1}" for i, f in enumerate(fields) if f["type"] == "string"]
    if text and con.execute("SELECT " + " + ".join(f"count(*) FILTER ({formula_start_sql(c)})"
                                                   for c in text) + " FROM sample").fetchone()[0]:
        report.warn(formula_warning())


def formula_warning() -> str:
    return _("Some cells begin with =, +, -, @, a tab or a carriage return, which spreadsheet programs run as "
             "formulas. They are kept as text, and downloads prefix them with an apostrophe so that they are never "
             "run.")
