"""List raw inputs from a folder, glob or fsspec URI.

Listing is sorted by path relative to the raw root, so every driver (CLI, DAG, tests) sees the
inputs in the same order and produces the same datasets.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import posixpath
import re
import stat
from dataclasses import dataclass

import fsspec
import pyarrow as pa
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from pipeline.io.arrow import column_values, columns_to_table
from pipeline.models import RawDoc


class SourceNotFound(Exception):
    """The raw location does not exist or cannot be listed."""


def folder_exists(uri: str) -> bool:
    fs, path = url_to_fs(uri)
    return fs.isdir(path)


# The listed inputs, one row each, in listing order. Every uri and rel_path is valid Unicode
# (`_printable`); sidecars and refusals (rare) are JSON text with ASCII escapes: a refusal's detail may
# quote a link target that is not UTF-8 (surrogates), which JSON round-trips. The plan pins this
# table as it is (staging.DOCS).
LISTED = pa.schema(
    [
        pa.field("uri", pa.string(), nullable=False),
        pa.field("rel_path", pa.string(), nullable=False),
        pa.field("size", pa.int64()),  # null: a local file not stat-ed yet (see list_raw)
        pa.field("modified_at", pa.timestamp("us", tz="UTC")),
        pa.field("sidecar", pa.string()),
        pa.field("refused", pa.string()),
        # A record of a record file (pipeline/ingest/records.py): its bytes, what reading it needs from
        # elsewhere in the file (a CSV's header) and the file's format. Null for a file read whole.
        pa.field("record", pa.large_binary()),
        pa.field("context", pa.string()),
        pa.field("format", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class Listing:
    root: str
    table: pa.Table  # the inputs (LISTED), sorted by rel_path
    excluded: list[str]  # relative paths skipped by an exclude pattern (reported in the run row)

    @property
    def docs(self) -> list[RawDoc]:
        return raw_docs(self.table)

    @classmethod
    def empty(cls, root: str) -> Listing:
        table = columns_to_table({f.name: pa.nulls(0, f.type) for f in LISTED}, LISTED)
        return cls(root=root, table=table, excluded=[])


def raw_docs(table: pa.Table) -> list[RawDoc]:
    """The rows of a LISTED table as RawDocs (a file listed without a stat is stat-ed as it is read)."""
    names = ("uri", "rel_path", "size", "sidecar", "refused", "record", "context", "format")
    uris, paths, sizes, sidecars, refusals, records, contexts, formats = (table.column(n).to_pylist() for n in names)
    docs = []
    for uri, rel_path, size, modified_at, sidecar, refused, record, context, format_ in zip(
        uris,
        paths,
        sizes,
        column_values(table.column("modified_at")),
        sidecars,
        refusals,
        records,
        contexts,
        formats,
        strict=True,
    ):
        docs.append(
            RawDoc(
                uri=uri,
                rel_path=rel_path,
                size=size,
                modified_at=modified_at,
                sidecar=json.loads(sidecar) if sidecar else {},
                refused=tuple(json.loads(refused)) if refused else None,
                record=record,
                context=context,
                format=format_,
            )
        )
    return docs


def _is_hidden(rel_path: str) -> bool:
    """Some part of the path starts with "." or "_" (checked without splitting: ~10 ms per 20,000 files)."""
    return rel_path.startswith((".", "_")) or "/." in rel_path or "/_" in rel_path


def list_raw(uri: str, exclude: tuple[str, ...] = (), follow_symlinks: bool = False, stat: bool = True) -> Listing:
    """Every file under `uri` (recursively) or matching it when it is a glob.

    Folders are not inputs (their files are). Anything else that is not a readable regular file
    (a FIFO, a broken link, a link leading outside the raw root unless `follow_symlinks`, a name
    that is not UTF-8) is still listed, already refused, so it becomes a reject row, not a silent drop.

    With `stat` false, the regular files of a local folder are listed without their size and
    mtime (null), which `load_bytes` reads from the file it opens: the plan's listing then needs
    no system call per file, and each worker stats the files it reads, in parallel (the stats were
    ~0.06 s of the serial plan step per 20,000 files, measured), by their open descriptor.
    """
    fs, path = url_to_fs(uri)
    is_glob = fsspec.core.has_magic(path)
    try:
        if is_glob:
            found = fs.glob(path, detail=True)
            root = path.split("*", 1)[0].rsplit("/", 1)[0]
        elif fs.isdir(path):
            found = (
                _find_local(path, stat)
                if isinstance(fs, LocalFileSystem)
                else fs.find(path, withdirs=False, detail=True)
            )
            root = path
        elif fs.isfile(path):
            found = {path: fs.info(path)}
            root = posixpath.dirname(path)
        else:
            raise SourceNotFound(f"raw source not found: {uri}")
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        raise SourceNotFound(f"cannot list raw source {uri}: {exc}") from exc

    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    local = isinstance(fs, LocalFileSystem)
    # Built as columns, not RawDocs: the plan only writes them out (RawDoc objects and their
    # conversion cost the serial plan step ~0.1 s per 20,000 inputs, measured).
    uris: list[str] = []
    rels: list[str] = []
    sizes: list[int] = []
    mtimes: list[dt.datetime | None] = []
    refusals: list[tuple[str, str] | None] = []
    excluded: list[str] = []
    sidecars: dict[str, str] = {}
    prefix = root.rstrip("/") + "/"
    is_excluded = re.compile("|".join(fnmatch.translate(p) for p in exclude)).match if exclude else None
    for full, info in found.items():
        if info.get("type") == "directory":
            continue
        if not root:
            rel = full
        else:  # relpath() only where a plain prefix cut would not do: it costs ~25 us a file
            rel = full[len(prefix) :] if full.startswith(prefix) else posixpath.relpath(full, root)
        if _is_hidden(rel):
            continue
        name = rel.rpartition("/")[2]
        if name.endswith(".meta.json"):
            sidecars[rel[: -len(".meta.json")]] = full
        if is_excluded and is_excluded(name):
            excluded.append(_printable(rel))
            continue
        stated = info is not _NOT_STATED
        size = int(info.get("size") or 0) if stated else None
        # A regular file with an ASCII name needs no check (most inputs: skipping it saves ~40 ms per 20,000).
        plain = not stated or (local and info["type"] == "file" and full.isascii() and rel.isascii())
        refused = _refusal(full, rel, info, root, follow_symlinks) if local and not plain else None
        if not local and info.get("type") != "file":
            continue  # not a regular file on a remote store (a "directory" marker object and the like)
        if refused is None and info.get("islink"):
            size = os.path.getsize(full)  # the link's target, which is what gets read
        uri_out = full if protocol in ("file", "local") else f"{protocol}://{full}"
        uris.append(uri_out if plain else _printable(uri_out))
        rels.append(rel if plain else _printable(rel))
        sizes.append(size)
        mtimes.append(_mtime(info) if stated else None)
        refusals.append(refused)
    order = sorted(range(len(rels)), key=rels.__getitem__)
    rels = [rels[i] for i in order]
    sidecar_texts = [_sidecar(fs, sidecars[rel]) if rel in sidecars else None for rel in rels] if sidecars else None
    columns = {
        "uri": [uris[i] for i in order],
        "rel_path": rels,
        "size": [sizes[i] for i in order],
        "modified_at": [mtimes[i] for i in order],
        "sidecar": sidecar_texts or [None] * len(rels),
        "refused": [json.dumps(refusals[i]) if refusals[i] else None for i in order],
        **{name: pa.nulls(len(rels), LISTED.field(name).type) for name in ("record", "context", "format")},
    }
    excluded.sort()
    return Listing(root=uri, table=columns_to_table(columns, LISTED), excluded=excluded)


_NOT_STATED = {"type": "file"}  # a regular file listed without its size and mtime


def _find_local(root: str, stat: bool = True) -> dict[str, dict]:
    """What `fs.find(root, detail=True)` lists for a local folder (folders entered, symlinks not
    followed), by os.scandir: fsspec's per-file info dicts cost ~1 s per 20,000 files (profiled).
    Entries that are neither folders nor regular files (links, FIFOs) are kept, for `_refusal`."""
    found: dict[str, dict] = {}
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                # A regular file (the directory entry's type: no system call) with a plain name: its
                # stat can wait. Others are checked at listing, which needs it.
                if not stat and entry.is_file(follow_symlinks=False) and entry.path.isascii():
                    found[entry.path] = _NOT_STATED
                    continue
                st = entry.stat(follow_symlinks=False)
                info = {"type": "file", "size": st.st_size, "mtime": st.st_mtime}
                if not entry.is_file(follow_symlinks=False):
                    info.update(type="other", mode=st.st_mode, islink=entry.is_symlink())
                    if entry.is_symlink():
                        info["destination"] = os.readlink(entry.path)
                found[entry.path] = info
    return found


def _printable(path: str) -> str:
    """A path as valid Unicode: bytes that are not UTF-8 (kept by Python as surrogates) shown as \\xNN."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _refusal(full: str, rel: str, info: dict, root: str, follow_symlinks: bool) -> tuple[str, str] | None:
    """Why a local directory entry cannot be read as an article, or None when it can."""
    if _printable(rel) != rel:
        return "bad_name", f"the file name is not valid UTF-8 ({_printable(posixpath.basename(rel))}): rename it"
    if info.get("islink"):
        target = os.path.realpath(full)
        if not os.path.exists(target):
            return "unreadable", f"a broken symbolic link (to {info.get('destination')})"
        outside = os.path.commonpath([target, os.path.realpath(root or "/")]) != os.path.realpath(root or "/")
        if outside and not follow_symlinks:
            return (
                "symlink_outside",
                f"a symbolic link to {target}, outside the raw folder: not followed (--follow-symlinks reads it)",
            )
        if os.path.isdir(target):
            return "not_a_file", f"a symbolic link to the folder {target}: links to folders are not followed"
        mode = os.stat(target).st_mode
    else:
        mode = int(info.get("mode") or stat.S_IFREG)
    if not stat.S_ISREG(mode):
        return "not_a_file", f"a {_KINDS.get(stat.S_IFMT(mode), 'special file')}, not a regular file"
    return None


_KINDS = {
    stat.S_IFIFO: "named pipe (FIFO)",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
}


def _mtime(info: dict) -> dt.datetime | None:
    value = next((info[k] for k in ("mtime", "LastModified", "last_modified") if info.get(k) is not None), None)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def _sidecar(fs, path: str) -> str | None:
    """`<file>.meta.json` (written by the fetch stage) as the JSON text of its non-empty string
    fields, or None when it is unreadable, not an object or empty."""
    try:
        with fs.open(path, "rb") as fh:
            meta = json.loads(fh.read(1_000_000))
    except (OSError, ValueError):
        return None
    clean = {str(k): str(v) for k, v in meta.items() if v not in (None, "")} if isinstance(meta, dict) else {}
    return json.dumps(clean) if clean else None
