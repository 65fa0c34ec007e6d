"""Benchmarks: one command each, printing a table."""
