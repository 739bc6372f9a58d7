"""Video-request use cases with the original board's rules. No grpc."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from yousync_catalog.db.uow import CatalogUnitOfWork
from yousync_catalog.requests.db import PendingExists, VideoRequestRepository
from yousync_catalog.requests.domain import MAX_LIST, Status, VideoRequest, validate
from yousync_platform.context import Principal
from yousync_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

MAX_ID = 2**63 - 1


def _size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative")
    return min(requested or MAX_LIST, MAX_LIST)


def _check_id(request_id: int) -> None:
    if not 1 <= request_id <= MAX_ID:
        raise InvalidArgument("INVALID_ID", "id must be positive")


class VideoRequestService:
    def __init__(self, uow: Callable[[], CatalogUnitOfWork]) -> None:
        self._uow = uow

    @asynccontextmanager
    async def _repo(self) -> AsyncIterator[tuple[CatalogUnitOfWork, VideoRequestRepository]]:
        async with self._uow() as uow:
            yield uow, VideoRequestRepository(uow.session)

    async def list_all(self, page_size: int) -> list[VideoRequest]:
        async with self._repo() as (_, repo):
            return await repo.newest(_size(page_size))

    async def list_mine(self, caller: Principal, page_size: int) -> list[VideoRequest]:
        async with self._repo() as (_, repo):
            return await repo.newest(_size(page_size), caller.subject)

    async def create(self, caller: Principal, actor: str, content: str, url: str, requester_name: str) -> VideoRequest:
        new = validate(actor, content, url, requester_name or caller.email.split("@")[0])
        try:
            async with self._repo() as (uow, repo):
                created = await repo.add(caller.subject, new)
                await uow.commit()
        except PendingExists:
            raise FailedPrecondition(
                "REQUEST_ALREADY_PENDING", "you already have a request under review; wait for its decision"
            ) from None
        return created

    async def delete(self, caller: Principal, request_id: int) -> None:
        _check_id(request_id)
        async with self._repo() as (uow, repo):
            found = await repo.get_for_update(request_id)
            if found is None or found.requester_id != caller.subject:
                raise NotFound("VIDEO_REQUEST_NOT_FOUND", "video request not found")
            if found.status is not Status.REJECTED:
                raise FailedPrecondition("REQUEST_NOT_REJECTED", "only a rejected request can be deleted")
            await repo.delete(request_id)
            await uow.commit()

    async def set_status(self, caller: Principal, request_id: int, status: Status | None) -> VideoRequest:
        if not caller.is_admin:
            raise PermissionDenied("ADMIN_ONLY", "only an admin can change a request's status")
        _check_id(request_id)
        if status is None:
            raise InvalidArgument("INVALID_STATUS", "status must be pending, approved or rejected")
        async with self._repo() as (uow, repo):
            try:
                changed = await repo.set_status(request_id, status)
            except PendingExists:
                raise FailedPrecondition(
                    "REQUEST_ALREADY_PENDING", "the requester already has another pending request"
                ) from None
            if changed is None:
                raise NotFound("VIDEO_REQUEST_NOT_FOUND", "video request not found")
            await uow.commit()
        return changed
