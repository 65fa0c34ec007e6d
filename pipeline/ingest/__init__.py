"""Ingest: list raw inputs, fetch them from sources into a landing zone, decode their bytes."""
