"""Shared fixtures live in tests/fixtures/, one module per kind of real peer."""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.postgres",
]
