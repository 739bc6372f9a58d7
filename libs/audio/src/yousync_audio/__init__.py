"""Audio measurements shared by services that must agree on them (no service imports another)."""
