"""Packaging: everything is in pyproject.toml except this one mapping, which pyproject's
`packages.find` cannot express: the top-level `rules/` folder ships inside the package as
`postcheck.builtin_rules`, so the rules live where a reader looks for them and still
install with postcheck."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages("src"), "postcheck.builtin_rules"],
    package_dir={"": "src", "postcheck.builtin_rules": "rules"},
)
