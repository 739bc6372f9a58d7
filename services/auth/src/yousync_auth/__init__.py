"""YouSync auth service."""
