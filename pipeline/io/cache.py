"""The user cache of derived tables (language model arrays, gazetteer tables): one root, one key rule.

`$XDG_CACHE_HOME/newsetl` (default `~/.cache/newsetl`). An entry's name carries a hash of what it
was built from, so a new package version or a changed module makes a new entry. The cache is only
an optimisation: a caller that cannot read or write it builds in memory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_path(name: str, suffix: str, *built_from: bytes) -> Path:
    """Where the entry `name` built from `built_from` lives: `<root>/<name>-<hash><suffix>`."""
    key = hashlib.blake2b(b"\0".join(built_from), digest_size=8).hexdigest()
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "newsetl" / f"{name}-{key}{suffix}"
