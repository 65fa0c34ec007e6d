"""Benchmarks: one command each, printing a table.

`python -m bench` (`make bench`) scores duplicate detection and times the pipeline;
`python -m bench.metadata_quality` scores metadata extraction.
"""
