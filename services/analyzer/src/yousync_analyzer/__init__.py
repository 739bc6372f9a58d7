"""YouSync analyzer service."""
