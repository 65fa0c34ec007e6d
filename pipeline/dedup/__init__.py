"""Dedup: exact and near-duplicate detection (MinHash LSH) within a run and across dates."""
