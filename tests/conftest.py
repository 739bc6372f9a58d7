"""Shared test helpers. The real suite (one instance of each server per session) is a plugin."""

pytest_plugins = ["tests.fixtures.suite"]
