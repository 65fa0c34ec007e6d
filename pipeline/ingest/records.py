"""Record inputs: files that hold many articles, each record one raw input of its own.

JSON Lines (`.jsonl`, `.ndjson`), CSV/TSV, Parquet and WARC files, plain or gzip-compressed, are
opened by the plan step (`expand`), which lists every record in place of its file: one plan row per
record, with the record's bytes and a locator appended to the file's URI and relative path
(`news.jsonl#line=17`, `dump.csv#row=3`, `hub.parquet#row=12`, `cc.warc.gz#offset=48213`). Shards
are slices of those rows, so a big dump is processed by every worker, the datasets are the same
whatever the shard count, and the invariant counts records. A record that cannot be read is a
reject with its locator; the rest of its file is read on.

A record's fields map onto the article by name: the defaults read news-please (`title`, `maintext`,
`date_publish`, `authors`, `url`, `language`) and dataset-hub exports (`text`, `title`, `url`,
`date`) as they are; `--fields body=text,title=headline` names other columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

import fsspec
import numpy as np
import pyarrow as pa

from pipeline.ingest.decode import RejectInput, decode_bytes
from pipeline.ingest.listing import LISTED
from pipeline.io.arrow import column_values, columns_to_table
from pipeline.models import RawDoc

# Record formats by file extension (a trailing `.gz` is read through gzip).
SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".warc": "warc",
}
# How a file whose extension names no record format (`.txt`, none) is read (`--text-as`): "auto" (one
# article, unless its text is plainly records: `sniff`), "article" (one article, always), "lines" (an
# article a line) or as records of a format.
TEXT_AS = ("auto", "article", "lines", "jsonl", "csv", "tsv")

# The article's columns a record fills, and the field names the common exports give them, in order
# of preference: news-please, then dataset hubs (the `--fields` mapping replaces a column's list).
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "body": ("maintext", "text", "body", "content", "article"),
    "title": ("title", "headline"),
    "url": ("url", "source_url", "link"),
    "date": ("date_publish", "date", "published_at", "published", "date_published"),
    "author": ("authors", "author", "byline"),
    "language": ("language", "lang"),
}


class FieldsError(ValueError):
    """A `--fields` mapping or `--text-as` value that cannot be used; the message says what to fix."""


def check_options(fields: tuple[str, ...], text_as: str) -> None:
    """Refuse unusable record options before a run lists anything (FieldsError)."""
    parse_fields(fields)
    if text_as not in TEXT_AS:
        raise FieldsError(f"--text-as must be one of {', '.join(TEXT_AS)}, not {text_as!r}")


def parse_fields(spec: tuple[str, ...] | str) -> dict[str, tuple[str, ...]]:
    """The field mapping: DEFAULT_FIELDS with the columns named by `spec` ("body=text,title=headline")."""
    items = [part for entry in ((spec,) if isinstance(spec, str) else spec) for part in entry.split(",")]
    mapping = dict(DEFAULT_FIELDS)
    for item in filter(None, (i.strip() for i in items)):
        column, sep, name = (s.strip() for s in item.partition("="))
        if not sep or not name:
            raise FieldsError(f"--fields entry {item!r} is not COLUMN=FIELD (e.g. body=text)")
        if column not in DEFAULT_FIELDS:
            raise FieldsError(f"--fields: unknown column {column!r} (known: {', '.join(DEFAULT_FIELDS)})")
        mapping[column] = (name,)
    return mapping


def format_of(rel_path: str, text_as: str = "auto") -> str | None:
    """The record format of a file (None: the file is one article): its extension's, else `text_as`'s
    (an HTML page is always one article)."""
    name = rel_path.rpartition("/")[2].lower().removesuffix(".gz")
    dot = name.rfind(".")
    found = SUFFIXES.get(name[dot:]) if dot > 0 else None
    if found or text_as in ("auto", "article") or name.endswith((".html", ".htm", ".xhtml")):
        return found
    return text_as


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a record file, as the plan lists it."""

    locator: str  # where it is in its file: "line=17", "row=3", "offset=48213"
    data: bytes  # the record's own bytes (b"" for a WARC page: read by the worker, `warc_payload`)
    context: str | None = None  # what reading it needs from elsewhere in the file: a CSV's header line,
    # a WARC page's byte range ("start-end")
    meta: dict[str, str] | None = None  # what the container says of it (a WARC record's headers)
    refused: tuple[str, str] | None = None  # (reason, detail): already known not to be an article
    size: int | None = None  # its bytes' size when they are not read yet (a WARC page: `warc_payload`)


def expand(table: pa.Table, text_as: str = "auto") -> pa.Table:
    """The plan's inputs (a LISTED table) with every record file replaced, in place, by its records.

    A record's uri and rel_path are its file's with `#<locator>`; its size is that of its own bytes,
    its sidecar the file's completed by what its container says of it (a WARC record's headers). A
    file that cannot be opened, or holds no record, stays one input (a reject with the reason).
    """
    paths = table.column("rel_path").to_pylist()
    formats = [format_of(path, text_as) for path in paths]
    if not any(formats):
        return table  # no record file: the listing as it is
    names = ("uri", "rel_path", "size", "sidecar", "refused")
    values = {name: table.column(name).to_pylist() for name in names}
    values["modified_at"] = column_values(table.column("modified_at"))  # (to_pylist would import pandas)
    rows = [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]
    out: list[dict] = []
    for row, fmt in zip(rows, formats, strict=True):
        if fmt is None or row["refused"]:
            out.append(row)
        else:
            out += _record_rows(row, fmt)
    columns = {name: [row.get(name) for row in out] for name in LISTED.names if name != "record"}
    columns["record"] = _binary([row.get("record") for row in out])
    return columns_to_table(columns, LISTED)


def _record_rows(row: dict, fmt: str) -> list[dict]:
    """The LISTED rows of the records of one record file (see `expand`)."""
    try:
        records = list(read_records(row["uri"], fmt))
        modified = row["modified_at"] or _modified(row["uri"])
    except OSError as exc:
        return [{**row, "refused": json.dumps(["unreadable", f"could not read the file: {exc}"])}]
    if not records:
        return [{**row, "refused": json.dumps(["empty", f"a {fmt} file without a single record"])}]
    sidecar = json.loads(row["sidecar"]) if row["sidecar"] else {}
    rows = []
    for record in records:
        meta = {**sidecar, **{k: v for k, v in (record.meta or {}).items() if v}}
        rows.append(
            {
                "uri": f"{row['uri']}#{record.locator}",
                "rel_path": f"{row['rel_path']}#{record.locator}",
                "size": len(record.data) if record.size is None else record.size,
                "modified_at": modified,
                "sidecar": json.dumps(meta) if meta else None,
                "refused": json.dumps(record.refused) if record.refused else None,
                "record": record.data if record.size is None else None,
                "context": record.context,
                "format": fmt,
            }
        )
    return rows


def _modified(uri: str) -> dt.datetime | None:
    """A file's mtime (the plan lists without one): its records' raw_modified_at."""
    if "://" not in uri:
        return dt.datetime.fromtimestamp(os.stat(uri).st_mtime, tz=dt.UTC)
    fs, path = fsspec.core.url_to_fs(uri)
    value = fs.info(path).get("mtime") or fs.info(path).get("LastModified")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if isinstance(value, int | float) else None


def _binary(values: list[bytes | None]) -> pa.Array:
    """Bytes (or None) as a large_binary array, built from buffers (pa.array would import pandas)."""
    lengths = np.fromiter((len(v) if v is not None else 0 for v in values), dtype=np.int64, count=len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    data = pa.py_buffer(b"".join(v for v in values if v))
    return pa.Array.from_buffers(pa.large_binary(), len(values), [bitmap, pa.py_buffer(offsets.tobytes()), data])


def read_records(uri: str, fmt: str) -> Iterator[Record]:
    """Every record of the file at `uri` in `fmt`, in file order.

    A file that breaks off (truncated gzip, a bad WARC header) ends with one refused record at the
    break, after the records read before it. A file that cannot be opened at all raises OSError.
    """
    compression = "gzip" if uri.lower().endswith(".gz") else None
    with fsspec.open(uri, "rb", compression=None if fmt == "warc" else compression) as fh:
        reader = _READERS[fmt]
        last = None
        try:
            for record in reader(fh, fmt):
                last = record.locator
                yield record
        except (EOFError, zlib.error, gzip.BadGzipFile, ValueError, OSError) as exc:
            where = f"after {last}" if last else "at its start"
            yield Record(
                f"broken-after-{last}" if last else "broken-at-start",
                b"",
                refused=("broken_file", f"the file cannot be read on {where}: {type(exc).__name__}: {exc}"),
            )


def _lines(fh, fmt: str) -> Iterator[Record]:
    """JSON Lines, and text read one article a line: each non-blank line (numbered from 1)."""
    for number, line in enumerate(fh, 1):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield Record(f"line={number}", line)


def _csv(fh, fmt: str) -> Iterator[Record]:
    """CSV/TSV rows after the header (numbered from 1), each as its own bytes: a row ends at a line
    end outside quotes (RFC 4180: an even number of quote characters so far), so a quoted field may
    hold line breaks."""
    header: str | None = None
    pending: list[bytes] = []
    quotes = row = 0
    for line in fh:
        pending.append(line)
        quotes += line.count(b'"')
        if quotes % 2:
            continue
        raw = b"".join(pending).rstrip(b"\r\n")
        pending, quotes = [], 0
        if not raw.strip():
            continue
        if header is None:  # (column names: ASCII in practice; a stray byte must not stop the plan)
            header = raw.decode("utf-8", "replace")
            continue
        row += 1
        yield Record(f"row={row}", raw, context=header)
    if pending:
        detail = "a quoted field is never closed: the rest of the file is this one row"
        yield Record(f"row={row + 1}", b"".join(pending), context=header, refused=("bad_record", detail))


def _parquet(fh, fmt: str) -> Iterator[Record]:
    """Parquet rows (numbered from 1), each as the JSON object of its values."""
    import pyarrow.parquet as pq

    row = 0
    for batch in pq.ParquetFile(fh).iter_batches(batch_size=1024):
        for values in batch.to_pylist():
            row += 1
            yield Record(f"row={row}", json.dumps(values, ensure_ascii=False, default=str).encode())


# WARC records that hold a page; the others (warcinfo, request, metadata, revisit, ...) are refused.
_PAGE_RECORDS = ("response", "resource")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _warc(fh, fmt: str) -> Iterator[Record]:
    """WARC records (located by their byte offset in the file, compressed or not, as CDX indexes do):
    response and resource records of HTML or plain text as pages, every other record refused.

    A page's payload is not kept: its record carries its byte range in the file (`context`
    "start-end"), which the worker that processes it reads (`warc_payload`). A day of CC-NEWS runs
    to gigabytes of HTML, which the plan would otherwise hold and stage whole.
    """
    from fastwarc.warc import ArchiveIterator

    page: Record | None = None  # the last page, until the next record's offset ends its range
    for rec in ArchiveIterator(fh, parse_http=False):
        if page is not None:
            yield replace(page, context=f"{page.context}-{rec.stream_pos}")
            page = None
        kind = str(rec.record_type).rpartition(".")[2]
        locator = f"offset={rec.stream_pos}"
        target, date = rec.headers.get("WARC-Target-URI"), rec.headers.get("WARC-Date")
        # The crawl's URL and time are the page's, as a fetch sidecar gives them.
        meta = {
            "warc_record_id": rec.record_id,
            "warc_target_uri": target,
            "warc_date": date,
            "source_url": target,
            "fetched_at": date,
        }
        refused = _not_a_page(rec, kind, meta)
        if refused:
            yield Record(locator, b"", meta=meta, refused=refused)
        else:
            page = Record(locator, b"", context=str(rec.stream_pos), meta=meta, size=rec.content_length)
    if page is not None:
        yield replace(page, context=f"{page.context}-{fh.seek(0, 2)}")


def _not_a_page(rec, kind: str, meta: dict[str, str]) -> tuple[str, str] | None:
    """Why a WARC record holds no HTML page (reason, detail), or None; notes its content type in `meta`."""
    if kind not in _PAGE_RECORDS:
        return "not_a_page", f"a WARC {kind} record: only response and resource records hold pages"
    content_type = rec.headers.get("Content-Type") or ""
    if kind == "response":
        rec.parse_http()
        if not rec.is_http:
            return "not_a_page", "a WARC response record without an HTTP response in it"
        if rec.http_headers.status_code != 200:
            return "not_a_page", f"an HTTP {rec.http_headers.status_code} response, not a page"
        content_type = rec.http_headers.get("Content-Type") or ""
    mime = content_type.partition(";")[0].strip().lower()
    meta["content_type"] = content_type
    if mime not in PAGE_TYPES:
        return "not_html", f"a WARC {kind} record of {mime or 'no content type'}: not an HTML page"
    return None


def warc_payload(doc: RawDoc, max_bytes: int) -> bytes:
    """The HTTP payload (or resource) of a WARC page listed by `_warc`, read from its byte range."""
    from fastwarc.warc import ArchiveIterator

    if doc.size is not None and doc.size > max_bytes:
        raise RejectInput("too_large", f"{doc.size:,} bytes is over the {max_bytes:,}-byte limit")
    uri = doc.uri.rpartition("#")[0]
    start, end = (int(n) for n in doc.context.split("-"))
    try:
        with fsspec.open(uri, "rb") as fh:
            fh.seek(start)
            block = fh.read(end - start)
        if uri.lower().endswith(".gz"):
            block = gzip.decompress(block)  # a record of a WARC.gz is a gzip member of its own
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise RejectInput("broken_file", f"the WARC record cannot be read: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise RejectInput("unreadable", f"could not read the file: {exc}") from exc
    for rec in ArchiveIterator(io.BytesIO(block), parse_http=False):
        if str(rec.record_type).rpartition(".")[2] == "response":
            rec.parse_http()
        payload = rec.reader.read()
        if len(payload) < rec.content_length:
            raise RejectInput("broken_file", "the file ends inside this WARC record: it is cut off")
        return payload
    raise RejectInput("broken_file", f"no WARC record at byte {start}")


_READERS = {"jsonl": _lines, "lines": _lines, "csv": _csv, "tsv": _csv, "parquet": _parquet, "warc": _warc}


def record_text(doc: RawDoc, data: bytes, fields: tuple[str, ...]) -> tuple[str, str, dict[str, str]]:
    """(text, encoding, sidecar) of one record: what `build_article` makes an article of.

    A WARC record's payload and a line read as an article are decoded as a file is (the WARC's HTTP
    Content-Type declares the charset). A JSON object or CSV row gives its fields: the title and the
    body as the text's title line and body, the url, date, author and language as the sidecar's.
    """
    if doc.format in ("warc", "lines"):
        text, encoding = decode_bytes(data, doc.sidecar.get("content_type"))
        return text, encoding, doc.sidecar
    if doc.format in ("jsonl", "parquet"):  # (a Parquet row is listed as the JSON object of its values)
        try:
            values = json.loads(data)
        except ValueError as exc:
            raise RejectInput("bad_record", f"not a JSON object: {exc}") from exc
        encoding = "utf-8"
        if not isinstance(values, dict):
            raise RejectInput("bad_record", f"a JSON {type(values).__name__}, not an object of fields")
    else:  # csv, tsv
        text, encoding = decode_bytes(data)
        rows = list(csv.reader(io.StringIO(f"{doc.context}\n{text}"), delimiter="\t" if doc.format == "tsv" else ","))
        if len(rows) != 2 or len(rows[1]) != len(rows[0]):
            found = len(rows[1]) if len(rows) > 1 else 0
            raise RejectInput("bad_record", f"{found} fields where the header names {len(rows[0])}")
        values = dict(zip(rows[0], rows[1], strict=True))
    mapping = field_map(fields + ((doc.sidecar["fields"],) if "fields" in doc.sidecar else ()))
    body = _field(values, mapping["body"])
    if not body:
        names = ", ".join(list(values)[:12]) or "none"
        raise RejectInput(
            "no_text_field",
            f"no text in the fields {', '.join(mapping['body'])} (this record's fields: {names}); "
            "--fields body=NAME names the text field",
        )
    sidecar = dict(doc.sidecar)
    title = " ".join(_field(values, mapping["title"]).split())
    for column, key in _SIDECAR_KEYS:
        value = _field(values, mapping[column])
        if value:
            sidecar[key] = value
    if title:
        sidecar["title"] = title
    return (f"{title}\n\n{body}" if title else body), encoding, sidecar


# The record's columns that fill the article's as a fetch sidecar's keys do.
_SIDECAR_KEYS = (("url", "source_url"), ("date", "published_at"), ("author", "author"), ("language", "language"))


@functools.lru_cache(maxsize=64)
def field_map(fields: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """`parse_fields` of a run's (and a file's) `--fields`, made once per worker."""
    return parse_fields(fields)


def _field(values: dict, names: tuple[str, ...]) -> str:
    """The first non-empty of the named fields, as text (a list of authors joined by commas)."""
    for name in names:
        value = values.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v not in (None, ""))
        if value not in (None, ""):
            return str(value).strip()
    return ""


# A text file that is really records (`sniff`): an article is rarely this many lines this long.
MANY_LINES = 10
LONG_LINE = 1000  # characters: the median line of an article-per-line dump; a paragraph is shorter
TEXT_COLUMNS = ("text", "body", "content", "maintext")


def sniff(text: str) -> str | None:
    """The record format of a text file that is plainly records ("jsonl", "csv", "tsv"), None for an
    article; raises RejectInput(`looks_like_records`) when it looks like records but which is unclear,
    naming the flag that reads it.

    Plain: every non-blank line a JSON object; or a delimited header naming a text column
    (TEXT_COLUMNS) over rows of as many fields. Unclear: many long lines (an article a line?), a
    header-like first line without a text column, JSON objects mixed with other lines.
    """
    lines = [line for line in text[:1_000_000].split("\n") if line.strip()]
    if len(lines) < 2:
        return None
    objects = sum(line.lstrip().startswith("{") and line.rstrip().endswith("}") for line in lines)
    if objects == len(lines) and _is_object(lines[0]):
        return "jsonl"
    if objects >= len(lines) / 2:
        raise RejectInput(
            "looks_like_records",
            f"{objects} of its {len(lines)} lines are JSON objects: --text-as jsonl reads them as records",
        )
    for fmt, delimiter in (("tsv", "\t"), ("csv", ",")):
        header = lines[0].split(delimiter)
        if len(header) < 2 or not all(_is_name(cell) for cell in header):
            continue
        columns = {cell.strip().strip('"').lower() for cell in header}
        rows = list(csv.reader(io.StringIO("\n".join(lines[:50])), delimiter=delimiter))
        if columns & set(TEXT_COLUMNS) and all(len(row) == len(header) for row in rows[1:-1]):
            return fmt
        raise RejectInput(
            "looks_like_records",
            f"its first line looks like a {fmt.upper()} header ({lines[0][:80]}): --text-as {fmt} reads its rows "
            f"as records (--fields body=COLUMN names the text column)",
        )
    lengths = sorted(len(line) for line in lines)
    if len(lines) >= MANY_LINES and lengths[len(lengths) // 2] >= LONG_LINE:
        raise RejectInput(
            "looks_like_records",
            f"{len(lines):,} lines of ~{lengths[len(lengths) // 2]:,} characters: one article a line? "
            "--text-as lines reads each line as an article, --text-as article keeps the file as one",
        )
    return None


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _is_name(cell: str) -> bool:
    """A header cell: a short column name, one word (`text`, `published_at`, "Title")."""
    name = cell.strip().strip('"')
    return 0 < len(name) <= 40 and name.replace("_", "").replace("-", "").isalnum()


def records_of_file(doc: RawDoc, data: bytes, fmt: str) -> list[RawDoc]:
    """The records of a text file that `sniff` found to be records, as raw inputs of their own (each
    located in the file as the plan locates a record file's)."""
    found = list(_READERS[fmt](io.BytesIO(data), fmt))
    return [
        RawDoc(
            uri=f"{doc.uri}#{r.locator}",
            rel_path=f"{doc.rel_path}#{r.locator}",
            size=len(r.data),
            modified_at=doc.modified_at,
            sidecar=doc.sidecar,
            refused=r.refused,
            record=r.data,
            format=fmt,
            context=r.context,
        )
        for r in found
    ]
