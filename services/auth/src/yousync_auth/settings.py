"""Auth settings (prefix AUTH_)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from yousync_platform.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore", frozen=True)

    grpc_port: int = 50051
    database_url: SecretStr
    # Google OAuth client ids accepted as the ID token's audience (comma-separated in the env).
    google_client_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    google_certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"
    # When set, only accounts of this Google Workspace domain may sign in.
    google_hosted_domain: str = ""
    # PEM, Ed25519 private key that signs access tokens.
    signing_key: SecretStr
    # PEM public keys of retired signing keys that still verify (rotation).
    previous_verification_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86400, ge=3600)
    # A refresh token presented again within this many seconds of its rotation is refused without
    # revoking the family (two tabs refreshing at once); later reuse is treated as theft.
    refresh_reuse_grace_seconds: float = Field(default=5.0, ge=0, le=60)
    # Lifetime of a sign-in session counted from sign-in: an access token of the session can be
    # refreshed without a refresh token (RefreshSession, the original frontend's way) until then.
    session_max_seconds: int = Field(default=30 * 86400, ge=60)
    admin_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)
    dev_sign_in_enabled: bool = False

    @field_validator("google_client_ids", "admin_emails", "previous_verification_keys", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            separator = "\n---\n" if "-----BEGIN" in value else ","
            return [v.strip() for v in value.split(separator) if v.strip()]
        return value
