"""Checks: the datasets' quality contract and the HTML reports."""
