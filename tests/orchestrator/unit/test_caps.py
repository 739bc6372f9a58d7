"""One source for every cap: the gateway, the orchestrator and the analyzer agree by default, and one
variable each (deploy/k8s' yousync-caps ConfigMap) moves them all."""

from __future__ import annotations

import pytest

from yousync_analysis_orchestrator.settings import OrchestratorSettings
from yousync_analyzer.settings import AnalyzerSettings
from yousync_gateway.settings import GatewaySettings
from yousync_platform import caps
from yousync_platform.storage import BlobSettings

SECRET = "x" * 32


def settings() -> tuple[GatewaySettings, OrchestratorSettings, AnalyzerSettings]:
    return (
        GatewaySettings(stream_ticket_secret=SECRET, blob=BlobSettings(url_secret=SECRET)),  # type: ignore[arg-type]
        OrchestratorSettings(database_url="postgresql://x@127.0.0.1/x"),  # type: ignore[arg-type]
        AnalyzerSettings(),
    )


def test_defaults_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (caps.MAX_TAKE_BYTES_ENV, caps.MAX_TAKE_SECONDS_ENV, caps.MAX_WEBHOOK_BODY_BYTES_ENV):
        monkeypatch.delenv(name, raising=False)
    gateway, orchestrator, analyzer = settings()
    assert gateway.max_take_bytes == orchestrator.max_upload_bytes == analyzer.max_take_bytes == caps.MAX_TAKE_BYTES
    assert gateway.max_upload_bytes == caps.MAX_TAKE_BYTES + caps.MULTIPART_OVERHEAD_BYTES
    assert orchestrator.max_take_seconds == analyzer.max_duration_seconds == caps.MAX_TAKE_SECONDS
    assert gateway.max_webhook_body_bytes == orchestrator.max_webhook_body_bytes == caps.MAX_WEBHOOK_BODY_BYTES


def test_one_variable_sets_each_cap_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(caps.MAX_TAKE_BYTES_ENV, str(4 * 1024 * 1024))
    monkeypatch.setenv(caps.MAX_TAKE_SECONDS_ENV, "30")
    monkeypatch.setenv(caps.MAX_WEBHOOK_BODY_BYTES_ENV, "65536")
    gateway, orchestrator, analyzer = settings()
    assert gateway.max_take_bytes == orchestrator.max_upload_bytes == analyzer.max_take_bytes == 4 * 1024 * 1024
    assert gateway.max_upload_bytes == 4 * 1024 * 1024 + caps.MULTIPART_OVERHEAD_BYTES
    assert orchestrator.max_take_seconds == analyzer.max_duration_seconds == 30
    assert gateway.max_webhook_body_bytes == orchestrator.max_webhook_body_bytes == 65536
    # A service's own variable still wins over the shared one.
    monkeypatch.setenv("ANALYZER_MAX_TAKE_BYTES", "2048")
    assert AnalyzerSettings().max_take_bytes == 2048
