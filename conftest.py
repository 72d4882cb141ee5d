"""Root conftest: shared fixtures for every app."""

pytest_plugins = ["waymark.core.testing.fixtures"]
