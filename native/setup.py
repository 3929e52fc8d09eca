"""The C extension (setuptools' ext-modules in pyproject.toml are still experimental)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "hearth_fanout._fanout",
            sources=["hearth_fanout/_fanout.c"],
            extra_compile_args=["-O2", "-Wall", "-Werror"],
        )
    ]
)
