"""`python -m bench.encodings`: does a text come back exactly after a round trip through a legacy encoding?

Texts of the shared corpora (Reuters-21578, the Wikinews samples, the fundus gold pages and, apart,
their paragraphs of 100+ characters) are encoded as cp1252, latin-1, iso-8859-2 and UTF-16 (with its
byte-order mark), and the CJK pages' texts (fundus jp, kr, cn and tw) as shift_jis, euc-kr and
gb18030 for their own language, wherever the text is representable, then given to
`decode_bytes` with no declared charset: the evidence alone must bring the same text back. The
rules were tuned on the paragraphs of the pages in the dev half (an even hash of the page's file
name); the table reports both halves, per encoding. Target: >= 99.5 % exact for every encoding's
pages and for the paragraphs of the Western ones. The CJK encodings' paragraphs are shown too:
a short paragraph is weak evidence (an English paragraph whose only non-ASCII characters are curly
quotes written in GB18030 reads as well in a Central European code page).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from pipeline.ingest.decode import RejectInput, decode_bytes

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"  # ../shared beside the project
CORPORA = SHARED / "corpora"
WESTERN = ("cp1252", "latin-1", "iso-8859-2", "utf-16")
CJK = {"shift_jis": ("jp",), "euc-kr": ("kr",), "gb18030": ("cn", "tw")}
TARGET = 99.5


def _half(key: str) -> str:
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "holdout"


def texts(reuters: int) -> list[tuple[str, str, str, str]]:
    """(kind, country, half, text) of every text of the bench: pages, then paragraphs."""
    found = []
    docs = sorted((CORPORA / "reuters21578" / "docs").glob("*.txt"))
    for path in random.Random(1987).sample(docs, min(reuters, len(docs))):
        found.append(("page", "reuters", _half(path.name), path.read_text(encoding="utf-8", errors="replace")))
    for folder in ("wikinews", "wikinews_other"):
        for path in sorted((SHARED / "samples" / folder).glob("*.txt")):
            found.append(("page", folder, _half(path.name), path.read_text(encoding="utf-8")))
    with open(CORPORA / "fundus" / "gold.jsonl", encoding="utf-8") as fh:
        for line in fh:
            gold = json.loads(line)
            half, country = _half(gold["file"]), gold["country"]
            page = "\n\n".join([gold.get("title") or "", *(gold.get("lead") or []), *gold["paragraphs"]])
            found.append(("page", country, half, page))
            found += [("paragraph", country, half, p) for p in gold["paragraphs"] if len(p) >= 100]
    return found


def round_trips(corpus: list[tuple[str, str, str, str]], encoding: str) -> Counter:
    """Counts of (kind, half, "texts"|"exact") and the wrong decodings' (kind, "as", encoding)."""
    counts: Counter = Counter()
    for kind, country, half, text in corpus:
        if encoding in CJK and country not in CJK[encoding]:
            continue
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue  # not representable in this encoding
        if kind == "paragraph" and data.isascii():
            continue  # an ASCII paragraph says nothing about the encoding (pages keep theirs)
        counts[kind, half, "texts"] += 1
        try:
            decoded, used = decode_bytes(data)
        except RejectInput as exc:
            decoded, used = None, exc.reason
        if decoded == text:
            counts[kind, half, "exact"] += 1
        else:
            counts[kind, "as", used] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=int, default=2000, help="Reuters stories sampled (of 21,578)")
    args = parser.parse_args()
    if not (CORPORA / "fundus" / "gold.jsonl").exists():
        print(f"needs the shared corpora at {CORPORA}")
        return 2
    corpus = texts(args.reuters)
    print("| encoding | kind | dev exact | holdout exact | all | wrong decodings |")
    print("|---|---|---|---|---|---|")
    ok = True
    for encoding in (*WESTERN, *CJK):
        counts = round_trips(corpus, encoding)
        for kind in ("page", "paragraph"):
            cells, exact, total = [], 0, 0
            for half in ("dev", "holdout"):
                n, good = counts[kind, half, "texts"], counts[kind, half, "exact"]
                cells.append(f"{good}/{n} ({100 * good / n:.2f} %)" if n else "-")
                exact, total = exact + good, total + n
            if not total:
                continue
            share = 100 * exact / total
            targeted = kind == "page" or encoding not in CJK
            ok &= share >= TARGET or not targeted
            wrong = ", ".join(f"{enc} {n}" for (k, what, enc), n in counts.items() if k == kind and what == "as")
            note = "" if targeted else " (shown, not targeted)"
            print(f"| {encoding} | {kind}{note} | {cells[0]} | {cells[1]} | {share:.2f} % | {wrong or '-'} |")
    print(f"\ntarget: >= {TARGET} % exact for every encoding's pages and the Western encodings' paragraphs: ", end="")
    print("pass" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
