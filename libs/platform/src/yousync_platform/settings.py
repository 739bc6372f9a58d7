"""Typed settings from the environment, validated once at start-up.

Each service subclasses `ServiceSettings` with its own prefix (e.g. `AUTH_`). Secrets are
`SecretStr` and never appear in logs or reprs.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

log = logging.getLogger(__name__)

S = TypeVar("S", bound="ServiceSettings")


class ServiceSettings(BaseSettings):
    """What every gRPC service has."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    grpc_host: str = "127.0.0.1"
    grpc_port: int = 0
    metrics_host: str = "127.0.0.1"
    # 0 disables the Prometheus endpoint.
    metrics_port: int = 0
    log_level: str = "INFO"
    # Seconds in-flight calls get to finish after SIGTERM.
    grace_seconds: float = 20.0
    # Where auth publishes its JWKS (a gRPC target); empty inside the auth service itself.
    auth_target: str = ""
    access_token_issuer: str = "yousync-auth"
    access_token_audience: str = "yousync"

    def public_view(self) -> dict[str, Any]:
        """Settings with secrets masked, safe to log."""
        return {key: ("***" if isinstance(value, SecretStr) else value) for key, value in self.model_dump().items()}


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Parse the environment; on a bad value exit with a clear message (never a traceback of secrets)."""
    try:
        settings = cls(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{cls.model_config.get('env_prefix', '')}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise SystemExit(f"invalid settings: {problems}") from None
    except SettingsError as exc:
        raise SystemExit(f"invalid settings: {exc}") from None
    log.info("settings loaded", extra={"settings": settings.public_view()})
    return settings
