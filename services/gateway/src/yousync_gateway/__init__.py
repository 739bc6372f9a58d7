"""YouSync gateway service."""
