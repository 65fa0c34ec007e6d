"""Compiled (Cython) kernels of the hot loops; their word lists are handed in from Python."""
