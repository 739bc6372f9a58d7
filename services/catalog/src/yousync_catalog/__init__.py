"""YouSync catalog service."""
