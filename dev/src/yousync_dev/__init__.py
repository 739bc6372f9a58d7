"""Development-only tools, never shipped in a service image: `make run`'s supervisor
(`yousync_dev.supervisor`), PostgreSQL and NATS from pip-installed binaries (`yousync_dev.embedded`),
the pytest plugin with its session servers (`yousync_dev.pytest_plugin`), a fake Google certificate
issuer (`yousync_dev.fake_google`) and an S3 API server (`yousync_dev.moto_s3`)."""
