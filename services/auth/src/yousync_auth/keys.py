"""Our signing keys: one active Ed25519 key signs access tokens; it and retired keys verify them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from yousync_auth.domain import User
from yousync_platform.access_tokens import keys_from_jwks


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The key as a JWK, with its RFC 7638 thumbprint as `kid`."""
    x = _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    thumbprint = _b64(
        hashlib.sha256(
            json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True).encode()
        ).digest()
    )
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": thumbprint, "alg": "EdDSA", "use": "sig"}


def generate_private_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


class SigningKeys:
    def __init__(self, private_pem: str, previous_public_pems: Sequence[str] = ()) -> None:
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 private key (PEM)")
        self._private = key
        self.active = public_jwk(key.public_key())
        self.jwks: list[dict[str, str]] = [self.active]
        for pem in previous_public_pems:
            public = serialization.load_pem_public_key(pem.encode())
            if not isinstance(public, Ed25519PublicKey):
                raise ValueError("verification keys must be Ed25519 public keys (PEM)")
            self.jwks.append(public_jwk(public))
        self._verification_keys = keys_from_jwks(self.jwks)

    def issue_access_token(
        self,
        user: User,
        *,
        issuer: str,
        audience: str,
        ttl: dt.timedelta,
        now: dt.datetime,
        session_id: str = "",
    ) -> tuple[str, dt.datetime]:
        expires = now + ttl
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": user.id,
            "typ": "access",
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
            "email": user.email,
            "roles": list(user.roles),
        }
        if session_id:
            claims["sid"] = session_id
        token = jwt.encode(claims, self._private, algorithm="EdDSA", headers={"kid": self.active["kid"]})
        return token, expires

    def verify_ignoring_expiry(self, token: str, *, issuer: str, audience: str) -> dict[str, Any]:
        """The claims of one of OUR access tokens (active or retired key, issuer, audience, type), its
        expiry NOT checked: the caller bounds its age by the session's lifetime. ValueError otherwise."""
        if not token or len(token) > 8192:
            raise ValueError("no token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise ValueError("malformed token") from None
        if header.get("alg") != "EdDSA":
            raise ValueError("algorithm not accepted")
        key = self._verification_keys.get(str(header.get("kid", "")))
        if key is None:
            raise ValueError("unknown key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=audience,
                issuer=issuer,
                options={"verify_exp": False, "require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            raise ValueError("invalid token") from None
        if claims.get("typ") != "access":
            raise ValueError("not an access token")
        return claims
