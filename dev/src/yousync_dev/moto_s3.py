"""An S3 API server for tests: moto in server mode on 127.0.0.1 (aioboto3 can't use in-process mocks)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from yousync_dev.ports import free_port, wait_for_port

TEST_ACCESS_KEY = "testing"
TEST_SECRET_KEY = "testing"


@dataclass
class LocalS3:
    """A moto S3 server; `endpoint_url` takes any credentials and region."""

    port: int = 0
    server: ThreadedMotoServer | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalS3:
        # boto reads these even when explicit keys are given to the client for some operations.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY)
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY)
        self.port = self.port or free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
