"""Test fixtures shared by every service's tests (loaded as a pytest plugin)."""
