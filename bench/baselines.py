"""Reference jobs the pipeline is timed against, each run as its own process by bench/speed.py.

    python -m bench.baselines floor DOCS        read every file and hash it with blake2b, nothing else
    python -m bench.baselines datasketch DOCS   dedup only: exact (blake2b) + datasketch MinHashLSH
    python -m bench.baselines trafilatura DOCS  HTML pages: trafilatura's bare_extraction (with metadata) alone

The datasketch job uses newsetl's settings: word 5-grams of the case-folded words, 128
permutations, LSH with the same bands x rows, query-then-insert in file order. It does no parsing,
cleaning, language detection or Parquet writing, so it is a lower bound on a datasketch pipeline.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys

from pipeline.settings import Settings

_WORD = re.compile(rb"\w+")


def list_files(root: str) -> list[str]:
    paths = []
    for folder, _, names in os.walk(root):
        paths += [os.path.join(folder, n) for n in names]
    return sorted(paths)


def floor(root: str) -> int:
    digests = set()
    for path in list_files(root):
        with open(path, "rb") as fh:
            digests.add(hashlib.blake2b(fh.read()).digest())
    return len(digests)


def datasketch_dedup(root: str) -> int:
    from datasketch import MinHash, MinHashLSH

    settings = Settings()
    params = settings.minhash_params()
    k = params.shingle_words
    lsh = MinHashLSH(num_perm=params.permutations, params=(params.bands, params.rows))
    seen: set[bytes] = set()
    duplicates = 0
    for i, path in enumerate(list_files(root)):
        with open(path, "rb") as fh:
            words = _WORD.findall(fh.read().lower())
        if not words:
            continue
        digest = hashlib.blake2b(b" ".join(words)).digest()
        if digest in seen:
            duplicates += 1
            continue
        seen.add(digest)
        sketch = MinHash(num_perm=params.permutations)
        sketch.update_batch([b" ".join(words[j : j + k]) for j in range(max(len(words) - k + 1, 1))])
        if lsh.query(sketch):
            duplicates += 1
        else:
            lsh.insert(str(i), sketch)
    return duplicates


def trafilatura_extraction(root: str) -> int:
    """The extractor alone over every page, as newsetl's HTML path calls it: the floor of that path."""
    import trafilatura

    found = 0
    for path in list_files(root):
        with open(path, "rb") as fh:
            doc = trafilatura.bare_extraction(
                fh.read(), with_metadata=True, include_comments=False, include_tables=False
            )
        found += doc is not None
    return found


if __name__ == "__main__":
    job, root = sys.argv[1], sys.argv[2]
    print({"floor": floor, "datasketch": datasketch_dedup, "trafilatura": trafilatura_extraction}[job](root))
