"""Issue 13 item 8: failed sign-ins, refreshes and logouts are limited per client IP and per account:
429 with Retry-After and the `{detail, code}` body, before any backend is asked."""

from __future__ import annotations

import base64
import json
import secrets

import httpx

from tests.fixtures.suite import Gateway, gateway_settings, running_gateway
from yousync_gateway.settings import GatewaySettings

DEFAULT_PER_IP = GatewaySettings.model_fields["auth_attempts_per_ip"].default
DEFAULT_PER_ACCOUNT = GatewaySettings.model_fields["auth_attempts_per_account"].default


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def id_token_claiming(subject: str) -> str:
    """A Google-looking ID token that claims `subject` and that no key signed."""
    header = _b64(json.dumps({"alg": "RS256", "kid": "forged", "typ": "JWT"}).encode())
    claims = {"sub": subject, "email": f"{subject}@example.com", "iss": "accounts.google.com"}
    claims_part = _b64(json.dumps(claims).encode())
    return f"{header}.{claims_part}.{_b64(secrets.token_bytes(64))}"


def from_ip(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, (response.status_code, response.text)
    assert response.json()["code"] == "AUTH_RATE_LIMITED" and response.json()["detail"]
    assert int(response.headers["retry-after"]) >= 1


async def test_defaults_are_documented_and_sane() -> None:
    assert 10 <= DEFAULT_PER_IP <= 100 and 3 <= DEFAULT_PER_ACCOUNT <= DEFAULT_PER_IP
    assert GatewaySettings.model_fields["auth_rate_window_seconds"].default == 60.0


async def test_failed_attempts_from_one_ip_are_braked(gateway: Gateway, blob_root: object) -> None:
    settings = gateway_settings(gateway.flow, blob_root, metrics_port=0, auth_attempts_per_ip=DEFAULT_PER_IP)
    async with running_gateway(gateway.flow, settings) as edge:
        attacker = from_ip("203.0.113.7")
        for i in range(DEFAULT_PER_IP):
            # Every attempt names another account: only the per-IP brake can stop this.
            if i % 2:
                response = await edge.http.post(
                    "/api/auth/refresh", json={"refresh_token": secrets.token_urlsafe(32)}, headers=attacker
                )
            else:
                response = await edge.http.post(
                    "/api/auth/google", json={"id_token": id_token_claiming(f"spray-{i}")}, headers=attacker
                )
            assert response.status_code == 401, (i, response.text)
        # The brake holds on every auth route for this IP, good credentials or not.
        assert_limited(await edge.http.post("/api/auth/refresh", json={"refresh_token": "x" * 43}, headers=attacker))
        assert_limited(
            await edge.http.post("/api/auth/google", json={"id_token": id_token_claiming("late")}, headers=attacker)
        )
        assert_limited(await edge.http.post("/api/auth/logout", json={"refresh_token": "x" * 43}, headers=attacker))
        assert_limited(await edge.http.post("/api/auth/dev", json={"email": "fine@example.com"}, headers=attacker))
        # Another client is not affected.
        other = await edge.http.post(
            "/api/auth/dev", json={"email": "fine@example.com"}, headers=from_ip("198.51.100.9")
        )
        assert other.status_code == 200, other.text


async def test_failed_attempts_on_one_account_are_braked_from_any_ip(gateway: Gateway) -> None:
    victim = f"victim-{secrets.token_hex(4)}"
    for i in range(DEFAULT_PER_ACCOUNT):
        response = await gateway.http.post(
            "/api/auth/google", json={"id_token": id_token_claiming(victim)}, headers=from_ip(f"192.0.2.{i + 1}")
        )
        assert response.status_code == 401, response.text
    assert_limited(
        await gateway.http.post(
            "/api/auth/google", json={"id_token": id_token_claiming(victim)}, headers=from_ip("192.0.2.200")
        )
    )
    # Another account from the same addresses still gets an answer.
    response = await gateway.http.post(
        "/api/auth/google", json={"id_token": id_token_claiming(victim + "-other")}, headers=from_ip("192.0.2.1")
    )
    assert response.status_code == 401


async def test_a_spent_refresh_token_replayed_is_braked(gateway: Gateway) -> None:
    session = (await gateway.http.post("/api/auth/dev", json={"email": "replay-brake@example.com"})).json()
    token = session["refresh_token"]
    assert (await gateway.http.post("/api/auth/refresh", json={"refresh_token": token})).status_code == 200
    statuses = []
    for i in range(DEFAULT_PER_ACCOUNT + 2):
        response = await gateway.http.post(
            "/api/auth/refresh", json={"refresh_token": token}, headers=from_ip(f"192.0.2.{100 + i}")
        )
        statuses.append(response.status_code)
    assert 429 in statuses and set(statuses) <= {401, 429}, statuses


async def test_successful_sign_ins_are_not_braked(gateway: Gateway) -> None:
    for _ in range(DEFAULT_PER_ACCOUNT + 5):
        response = await gateway.http.post(
            "/api/auth/dev", json={"email": "often@example.com"}, headers=from_ip("198.51.100.77")
        )
        assert response.status_code == 200, response.text
