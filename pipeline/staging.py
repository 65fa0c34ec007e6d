"""Staging area of a sharded run: the plan's manifest and each shard's outcomes, before publish.

One folder per run, `<out>/_staging/<date>/<run_key>/`, holding `plan.json` (the listed inputs,
pinned so that every shard and the publish step see the same ones) and, per shard K,
`shard-K.articles.parquet` and `shard-K.rejects.parquet`. It sits beside the dataset folders, and
its underscore name hides it from Parquet readers, so nothing staged is ever visible as data.
Publish deletes the folder once the partition is written.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import uuid
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

from pipeline.models import Article, RawDoc, Reject, Sketch
from pipeline.schema import DATASETS

STAGING = "_staging"
MANIFEST = "plan.json"
# Manifests this process wrote, by staging folder: the shard workers forked by a local run inherit
# it and skip parsing plan.json once per shard (0.16 s each on 21,578 docs). Airflow tasks are
# separate processes and read the file. Dropped when the folder is reset or removed.
_WRITTEN: dict[str, Manifest] = {}


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the plan step decided: which inputs, how many shards, and the run's identity."""

    run_id: str
    date: dt.date
    raw: str
    started_at: dt.datetime
    list_seconds: float
    n_shards: int
    docs: list[RawDoc]
    excluded: list[str]


def safe_key(text: str) -> str:
    """A string usable as one path segment on every filesystem (Airflow run ids hold ':' and '+')."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def staging_dir(out: str, date: dt.date, run_key: str) -> str:
    """The run's staging folder, as a URI in the same form as `out`."""
    return posixpath.join(out.rstrip("/"), STAGING, date.isoformat(), safe_key(run_key))


def reset_dir(folder: str) -> None:
    """An empty staging folder (leftovers of an earlier attempt of the same run are removed)."""
    remove_dir(folder)
    fs, path = url_to_fs(folder)
    fs.makedirs(path, exist_ok=True)


def remove_dir(folder: str) -> None:
    """Delete a run's staging folder, then its date folder and `_staging` once no other run uses them."""
    _WRITTEN.pop(folder, None)
    fs, path = url_to_fs(folder)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    for parent in (posixpath.dirname(path), posixpath.dirname(posixpath.dirname(path))):
        try:
            if fs.isdir(parent) and not fs.ls(parent, detail=False):
                fs.rmdir(parent)
        except OSError:  # another run of the same date just staged something there: keep it
            return


def write_manifest(folder: str, manifest: Manifest) -> None:
    # Field by field, not dataclasses.asdict: its recursive deep copy took 1.5 s on 21,578 docs.
    data = {
        "run_id": manifest.run_id,
        "date": manifest.date.isoformat(),
        "raw": manifest.raw,
        "started_at": manifest.started_at.isoformat(),
        "list_seconds": manifest.list_seconds,
        "n_shards": manifest.n_shards,
        "docs": [
            {
                "uri": d.uri,
                "rel_path": d.rel_path,
                "size": d.size,
                "modified_at": d.modified_at.isoformat() if d.modified_at else None,
                "sidecar": d.sidecar,
                "refused": d.refused,
            }
            for d in manifest.docs
        ],
        "excluded": manifest.excluded,
    }
    # ASCII escapes: a file name that is not valid UTF-8 (kept as surrogates) round-trips through JSON.
    _write_bytes(folder, MANIFEST, json.dumps(data).encode())
    _WRITTEN[folder] = manifest


def read_manifest(folder: str) -> Manifest:
    if folder in _WRITTEN:
        return _WRITTEN[folder]
    fs, path = url_to_fs(folder)
    with fs.open(posixpath.join(path, MANIFEST), "rb") as fh:
        data = json.loads(fh.read())
    docs = [
        RawDoc(
            uri=d["uri"],
            rel_path=d["rel_path"],
            size=d["size"],
            modified_at=dt.datetime.fromisoformat(d["modified_at"]) if d["modified_at"] else None,
            sidecar=d["sidecar"],
            refused=tuple(d["refused"]) if d.get("refused") else None,
        )
        for d in data["docs"]
    ]
    return Manifest(
        run_id=data["run_id"],
        date=dt.date.fromisoformat(data["date"]),
        raw=data["raw"],
        started_at=dt.datetime.fromisoformat(data["started_at"]),
        list_seconds=data["list_seconds"],
        n_shards=data["n_shards"],
        docs=docs,
        excluded=data["excluded"],
    )


def write_shard(folder: str, index: int, articles: list[Article], rejects: list[Reject]) -> None:
    """One shard's outcomes, in input order, as Parquet of the datasets' own schemas.

    Articles also keep their dedup sketch (made in the shard, so publish need not make it again).
    """
    from pipeline.storage import to_table

    tables = {
        "articles": _with_sketches(to_table(articles, "articles"), articles),
        "rejects": to_table(rejects, "rejects"),
    }
    for dataset, table in tables.items():
        sink = pa.BufferOutputStream()
        # Staging is transient: plain zstd, and no fsync (a lost shard is recomputed by its retry).
        pq.write_table(table, sink, compression="zstd")
        _write_bytes(folder, f"shard-{index}.{dataset}.parquet", sink.getvalue().to_pybytes())


def read_shard(folder: str, index: int) -> tuple[list[Article], list[Reject]]:
    """A shard's outcomes as the records the dedup and write stages take."""
    from pipeline.storage import column_values, list_column_matrix

    fs, path = url_to_fs(folder)
    found = []
    for dataset, record in (("articles", Article), ("rejects", Reject)):
        name = posixpath.join(path, f"shard-{index}.{dataset}.parquet")
        if not fs.exists(name):
            raise FileNotFoundError(f"shard {index} has no staged {dataset} at {name}: did its task run?")
        table = pq.ParquetFile(name, filesystem=fs).read()
        names = DATASETS[dataset].names
        columns = [column_values(table.column(n)) for n in names]
        rows = [record(**dict(zip(names, values, strict=True))) for values in zip(*columns, strict=True)]
        if dataset == "articles" and rows and SKETCH_KEY in table.column_names:
            signatures = table.column(SKETCH_SIGNATURE)
            width = len(signatures[0])
            matrix = list_column_matrix(signatures, width, dtype=np.uint32)
            for row, key, signature in zip(rows, column_values(table.column(SKETCH_KEY)), matrix, strict=True):
                row.sketch = Sketch(key, signature)
        found.append(rows)
    return found[0], found[1]


SKETCH_KEY, SKETCH_SIGNATURE = "_sketch_exact_key", "_sketch_signature"
_SKETCHES = pa.schema([pa.field(SKETCH_KEY, pa.string()), pa.field(SKETCH_SIGNATURE, pa.list_(pa.uint32()))])


def _with_sketches(table: pa.Table, articles: list[Article]) -> pa.Table:
    from pipeline.storage import columns_to_table  # builds from buffers: pa.array() would import pandas

    if not articles or any(a.sketch is None for a in articles):
        return table
    sketches = columns_to_table(
        {
            SKETCH_KEY: [a.sketch.exact_key for a in articles],
            SKETCH_SIGNATURE: [a.sketch.signature.tolist() for a in articles],
        },
        _SKETCHES,
    )
    for field, column in zip(_SKETCHES, sketches.columns, strict=True):
        table = table.append_column(field, column)
    return table


def _write_bytes(folder: str, name: str, data: bytes) -> None:
    """Write under a temporary name, then rename: a retried task never leaves half a file behind."""
    fs, path = url_to_fs(folder)
    final = posixpath.join(path, name)
    tmp = posixpath.join(path, f".{name}.{uuid.uuid4().hex}.tmp")
    with fs.open(tmp, "wb") as fh:
        fh.write(data)
    fs.mv(tmp, final)
