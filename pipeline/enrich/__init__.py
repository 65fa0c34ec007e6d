"""Enrich: describe an article (hashes, counts), detect its language, extract metadata and entities."""
