"""Assertions on gRPC errors: the status code and the decoded ErrorInfo."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


async def expect_error(call: Awaitable[Any], code: grpc.StatusCode, reason: str | None = None) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    error = caught.value
    assert error.code() == code, f"expected {code}, got {error.code()}: {error.details()}"
    if reason is not None:
        info = error_info(error)
        assert info is not None, "no ErrorInfo in the status details"
        assert info.reason == reason, f"expected reason {reason}, got {info.reason}"
    return error
