"""Keep the server's status when a client-streaming write races the end of the call.

grpc.aio bug grpc/grpc#36066 (fix proposed in grpc/grpc#43486, not released in grpcio 1.85): when a
server ends a client- or bidi-streaming call before the client has sent everything (an upload over
the size cap, garbage bytes, an analyzer refusing a take), the client's next write fails, and
grpc.aio records INTERNAL "Internal error from Core" as the call's status, replacing the status the
server sent whenever that one was processed first. Callers saw INTERNAL (a 502 at the gateway)
instead of RESOURCE_EXHAUSTED or INVALID_ARGUMENT in about a third of the runs.

`install()` replaces grpc.aio's request-writing step with one that, when a write fails, waits
briefly for the status Core is delivering and reports that. Only when none comes is the call
INTERNAL, as before (which keeps the fix of grpc/grpc#34148 for batches Core rejects outright).
Installed explicitly, never on import: by every service's start-up (`yousync_platform.cli.start`), by
the client factory (`yousync_platform.client.open_channel`) and by the test plugin; limited to the
grpcio versions known to need it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

AFFECTED_VERSIONS = ("1.85.",)
STATUS_WAIT_SECONDS = 2.0


def installed() -> bool:
    """Whether grpc.aio's request writer is the patched one."""
    from grpc.aio import _call

    return bool(getattr(_call._StreamRequestMixin._write, "keeps_server_status", False))


def install() -> bool:
    """Patch grpc.aio once (idempotent); True when the patch is in place."""
    from grpc import _common
    from grpc._cython import cygrpc
    from grpc.aio import _call

    mixin: Any = _call._StreamRequestMixin
    if getattr(mixin._write, "keeps_server_status", False):
        return True
    if not grpc.__version__.startswith(AFFECTED_VERSIONS):
        return False

    async def _write(self: Any, request: Any) -> None:
        if self.done():
            raise asyncio.InvalidStateError(_call._RPC_ALREADY_FINISHED_DETAILS)
        if self._done_writing_flag:
            raise asyncio.InvalidStateError(_call._RPC_HALF_CLOSED_DETAILS)
        if not self._metadata_sent.is_set():
            await self._metadata_sent.wait()
            if self.done():
                await self._raise_for_status()
        serialized = _common.serialize(request, self._request_serializer)
        try:
            await self._cython_call.send_serialized_message(serialized)
        except cygrpc.InternalError as error:
            # The stream is closed: the server's status has arrived or is on its way.
            try:
                await asyncio.wait_for(asyncio.shield(self._cython_call.status()), STATUS_WAIT_SECONDS)
            except TimeoutError:
                self._cython_call.set_internal_error(str(error))
            await self._raise_for_status()
        except asyncio.CancelledError:
            if not self.cancelled():
                self.cancel()
            raise

    _write.keeps_server_status = True  # type: ignore[attr-defined]
    mixin._write = _write
    return True
