"""Dubbing use cases: mix the caller's latest take of each line of a scene over its background track,
at the lines' times, store the WAV, remember it; and find the latest one. No grpc here.

The mixing is CPU work in a worker thread, at most `concurrency` at once per process. A take that
cannot be decoded any more is left out (it was sniffed at upload); a background that cannot be read
gives a voices-only mix, said in `with_background`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Protocol

import numpy as np

from yousync_analysis_orchestrator import dub_audio
from yousync_analysis_orchestrator.db.dubs import DubRepository
from yousync_analysis_orchestrator.db.uow import OrchestratorUnitOfWork
from yousync_analysis_orchestrator.domain_dubs import Dub, Scene
from yousync_platform.errors import InvalidArgument, NotFound
from yousync_platform.storage.base import BlobStore, SignedUrl

log = logging.getLogger(__name__)
MAX_DUB_SECONDS = 300.0
# A take may run this much past its line's end before it is cut.
TAKE_OVERRUN_SECONDS = 5.0


class SceneSource(Protocol):
    async def scene(self, script_id: int) -> Scene: ...

    async def background(self, url: str) -> bytes | None: ...


class Dubbing:
    def __init__(
        self,
        *,
        uow: Callable[[], OrchestratorUnitOfWork],
        blobs: BlobStore,
        scenes: SceneSource,
        url_ttl: dt.timedelta,
        concurrency: int = 2,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._scenes = scenes
        self._url_ttl = url_ttl
        self._slots = asyncio.Semaphore(concurrency)

    async def create(self, user_id: str, script_id: int) -> tuple[Dub, SignedUrl]:
        if script_id < 1:
            raise InvalidArgument("INVALID_SCRIPT_ID", "script_id must be positive")
        scene = await self._scenes.scene(script_id)
        async with self._uow() as uow:
            takes = await DubRepository(uow.session).latest_takes(user_id, script_id)
        lines = {line.token_id: line for line in scene.lines}
        takes = [t for t in takes if t.token_id in lines]
        if not takes:
            raise NotFound("NO_TAKES", "you have no take of this scene's lines yet")
        recordings = await asyncio.gather(*(self._blobs.get(t.blob_key) for t in takes))
        background = await self._scenes.background(scene.background_url) if scene.background_url else None
        placed = [
            (lines[t.token_id].start_seconds, lines[t.token_id].end_seconds, data)
            for t, data in zip(takes, recordings, strict=True)
        ]
        async with self._slots:
            wav, duration, mixed, with_background = await asyncio.to_thread(
                _render, placed, background, scene.duration_seconds
            )
        if mixed == 0:
            raise NotFound("NO_TAKES", "none of your takes of this scene could be read")
        dub_id = uuid.uuid4()
        key = f"dubs/{user_id}/{script_id}/{dub_id}.wav"
        await self._blobs.put(key, wav, content_type="audio/wav")
        dub = Dub(
            id=str(dub_id),
            user_id=user_id,
            script_id=script_id,
            blob_key=key,
            duration_seconds=duration,
            lines_mixed=mixed,
            with_background=with_background,
        )
        async with self._uow() as uow:
            dub = await DubRepository(uow.session).add(dub)
            await uow.commit()
        return dub, await self._blobs.signed_url(key, expires_in=self._url_ttl)

    async def latest(self, user_id: str, script_id: int) -> tuple[Dub, SignedUrl]:
        async with self._uow() as uow:
            dub = await DubRepository(uow.session).latest(user_id, script_id)
        if dub is None:
            raise NotFound("DUB_NOT_FOUND", "no dub of this scene yet")
        return dub, await self._blobs.signed_url(dub.blob_key, expires_in=self._url_ttl)


def _render(
    placed: list[tuple[float, float, bytes]], background: bytes | None, scene_seconds: float
) -> tuple[bytes, float, int, bool]:
    voices: list[tuple[float, np.ndarray]] = []
    for start, end, data in placed:
        try:
            voices.append((start, dub_audio.decode(data, max(0.5, end - start) + TAKE_OVERRUN_SECONDS)))
        except dub_audio.UndecodableAudio:
            log.warning("a take could not be decoded for a dub; left out")
    bed = None
    if background is not None:
        try:
            bed = dub_audio.decode(background, MAX_DUB_SECONDS)
        except dub_audio.UndecodableAudio:
            log.warning("the background track could not be decoded; voices only")
    last_end = max((end for _, end, _ in placed), default=0.0)
    samples = dub_audio.mix(bed, voices, min_seconds=max(scene_seconds, last_end), max_seconds=MAX_DUB_SECONDS)
    return dub_audio.wav(samples), len(samples) / dub_audio.RATE, len(voices), bed is not None
