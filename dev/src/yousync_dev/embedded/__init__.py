"""Real PostgreSQL and NATS servers started from pip-installed binaries, on 127.0.0.1 only."""
