"""Defence in depth behind the gateway: the auth service itself refuses control characters (PostgreSQL
refuses NUL in text, which would otherwise surface as INTERNAL)."""

from __future__ import annotations

import grpc
import pytest

from tests.auth.conftest import AuthHarness
from tests.grpc_helpers import expect_error
from yousync.auth.v1 import auth_pb2


@pytest.mark.parametrize(
    ("email", "display_name"),
    [("a\x00b@example.com", "A"), ("nul@example.com", "N\x00L"), ("bell@example.com", "ring\x07"), ("x\x1f@e.com", "")],
)
async def test_dev_sign_in_refuses_control_characters(auth: AuthHarness, email: str, display_name: str) -> None:
    await expect_error(
        auth.stub.DevSignIn(auth_pb2.DevSignInRequest(email=email, display_name=display_name)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "CONTROL_CHARACTERS",
    )


async def test_dev_sign_in_still_accepts_ordinary_names(auth: AuthHarness) -> None:
    response = await auth.stub.DevSignIn(auth_pb2.DevSignInRequest(email="ok@example.com", display_name="Zoë O'Neil"))
    assert response.session.user.display_name == "Zoë O'Neil"
