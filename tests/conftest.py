"""Shared test helpers; session-wide servers come from the yousync_platform.testing plugin."""
