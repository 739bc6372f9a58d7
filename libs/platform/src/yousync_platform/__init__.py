"""yousync platform: shared mechanisms for every service."""
