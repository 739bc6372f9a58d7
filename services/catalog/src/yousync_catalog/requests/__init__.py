"""The video-request board (VideoRequestService), kept apart from the catalog's scripts and tokens."""
