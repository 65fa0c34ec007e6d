"""Build of the compiled kernels: every `pipeline/kernels/*.pyx` becomes an extension module of its name.

The project's metadata lives in pyproject.toml; this file only lists the Cython modules, which
setuptools cannot discover by itself. Cython and a C compiler are needed at install time (both
pinned in pyproject's build-system; gcc and the Python headers are on every supported machine).
"""

from glob import glob
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(f"pipeline.kernels.{Path(source).stem}", [source], extra_compile_args=["-O3"])
    for source in sorted(glob("pipeline/kernels/*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": 3, "boundscheck": False, "wraparound": False, "cdivision": True},
        quiet=True,
    )
)
