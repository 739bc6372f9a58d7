"""A minimal HTTP server that serves signed filesystem-store URLs exactly as the gateway will:
verify with the shared `UrlSigner`, then stream the file of the shared `FilesystemBlobStore`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from yousync_platform.errors import DomainError
from yousync_platform.storage.filesystem import FilesystemBlobStore
from yousync_platform.storage.signed_urls import UrlSigner


class BlobGateway:
    def __init__(self, store: FilesystemBlobStore, signer: UrlSigner) -> None:
        self.store = store
        self.signer = signer
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    key = gateway.signer.verify_url(self.path)
                except DomainError as error:
                    self.send_error(403, error.reason)
                    return
                info = gateway.store.stat_sync(key)
                if info is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", info.content_type)
                self.send_header("Content-Length", str(info.size))
                self.send_header("Cache-Control", "private, max-age=60")
                self.end_headers()
                with gateway.store.path_of(key).open("rb") as handle:
                    while chunk := handle.read(64 * 1024):
                        self.wfile.write(chunk)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> BlobGateway:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
