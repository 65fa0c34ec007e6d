"""A 10x Reuters corpus, generated reproducibly: each story, then lightly perturbed copies of it.

Copy 0 is the story as it is; copies 1-9 each replace about one word in 100 with another word of
the same story (fixed seed per file and copy), so most copies stay near duplicates (Jaccard ~0.8)
while the corpus keeps Reuters' length and vocabulary. Written once into bench/out/ (ignored by
git; the corpus is licensed for research only and never committed) and reused while its
parameters match.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

SEED = 1987
_TOKENS = re.compile(r"(\s+)")


def perturb(text: str, rng: random.Random, every: int) -> str:
    """`text` with about one word in `every` replaced by another word of the same text."""
    tokens = _TOKENS.split(text)
    words = [i for i, t in enumerate(tokens) if t and not t.isspace()]
    for i in words:
        if rng.randrange(every) == 0:
            tokens[i] = tokens[rng.choice(words)]
    return "".join(tokens)


def make_scaled_corpus(src: Path, dest: Path, copies: int = 10, every: int = 100, seed: int = SEED) -> Path:
    """Generate (or reuse) `copies` versions of every file of `src` into `dest`; returns `dest`."""
    marker = dest / ".generated.json"  # hidden: never listed as an input
    params = {"src": str(src), "copies": copies, "every": every, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == params:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for path in sorted(src.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for copy in range(copies):
            rng = random.Random(f"{seed}:{path.name}:{copy}")
            out = text if copy == 0 else perturb(text, rng, every)
            (dest / f"{path.stem}-{copy}.txt").write_text(out, encoding="utf-8")
    marker.write_text(json.dumps(params))
    return dest
