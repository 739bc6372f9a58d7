"""Auth's own schema: users, refresh-token families and refresh tokens."""
