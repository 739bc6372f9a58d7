"""YouSync catalog service: scripts (scenes), tokens (lines), actors, reference audio, bookmarks."""
