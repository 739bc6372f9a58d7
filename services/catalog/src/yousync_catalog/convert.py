"""Domain ⇄ protobuf for the catalog, nowhere else."""

from __future__ import annotations

from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from yousync.catalog.v1 import catalog_pb2
from yousync.common.v1 import common_pb2
from yousync_catalog.domain import (
    Actor,
    ActorSummary,
    AudioLink,
    Bookmark,
    Duet,
    PitchPoint,
    Script,
    ScriptBookmark,
    ScriptFilter,
    ScriptKind,
    ScriptOrder,
    Token,
    Word,
)
from yousync_platform.errors import InvalidArgument
from yousync_platform.protobuf import timestamp

_KINDS = {
    ScriptKind.MOVIE: catalog_pb2.SCRIPT_KIND_MOVIE,
    ScriptKind.DRAMA: catalog_pb2.SCRIPT_KIND_DRAMA,
    ScriptKind.ANIMATION: catalog_pb2.SCRIPT_KIND_ANIMATION,
    ScriptKind.STAGE_PLAY: catalog_pb2.SCRIPT_KIND_STAGE_PLAY,
    ScriptKind.OTHER: catalog_pb2.SCRIPT_KIND_OTHER,
}
_KINDS_BACK = {v: k for k, v in _KINDS.items()}
_ORDERS = {
    catalog_pb2.SCRIPT_ORDER_UNSPECIFIED: ScriptOrder.POPULAR,
    catalog_pb2.SCRIPT_ORDER_POPULAR: ScriptOrder.POPULAR,
    catalog_pb2.SCRIPT_ORDER_LATEST: ScriptOrder.LATEST,
    catalog_pb2.SCRIPT_ORDER_TITLE: ScriptOrder.TITLE,
}


def kind_of(value: int) -> ScriptKind | None:
    if value == catalog_pb2.SCRIPT_KIND_UNSPECIFIED:
        return None
    kind: ScriptKind | None = _KINDS_BACK.get(value)  # type: ignore[call-overload]
    if kind is None:
        raise InvalidArgument("INVALID_KIND", "unknown script kind")
    return kind


def script_filter(request: catalog_pb2.ListScriptsRequest) -> ScriptFilter:
    order = _ORDERS.get(request.order_by)  # type: ignore[call-overload]
    if order is None:
        raise InvalidArgument("INVALID_ORDER", "unknown order")
    if request.actor_id < 0:
        raise InvalidArgument("INVALID_ACTOR_ID", "actor_id must not be negative")
    return ScriptFilter(
        category=request.category.strip(),
        actor_id=request.actor_id,
        language=request.language.strip(),
        query=request.query,
        kind=kind_of(request.kind),
        order=order,
        collection=request.collection.strip(),
        source_video_url=request.source_video_url.strip(),
        actor_name=request.actor_name,
    )


def audio_pb(link: AudioLink | None) -> common_pb2.AudioAccess | None:
    if link is None:
        return None
    return common_pb2.AudioAccess(url=link.url, expire_time=timestamp(link.expires_at), content_type=link.content_type)


def actor_summary_pb(actor: ActorSummary | None) -> catalog_pb2.ActorSummary | None:
    return catalog_pb2.ActorSummary(id=actor.id, name=actor.name) if actor else None


def actor_pb(actor: Actor) -> catalog_pb2.Actor:
    return catalog_pb2.Actor(
        id=actor.id,
        external_id=actor.external_id,
        name=actor.name,
        aliases=list(actor.aliases),
        create_time=timestamp(actor.created_at),
        update_time=timestamp(actor.updated_at),
    )


def pitch_pb(points: tuple[PitchPoint, ...]) -> list[common_pb2.PitchPoint]:
    return [
        common_pb2.PitchPoint(time_seconds=p.time)
        if p.hz is None
        else common_pb2.PitchPoint(time_seconds=p.time, hz=p.hz)
        for p in points
    ]


def token_pb(token: Token) -> catalog_pb2.Token:
    pitch = pitch_pb(token.reference_pitch)
    return catalog_pb2.Token(
        id=token.id,
        external_id=token.external_id,
        script_id=token.script_id,
        actor=actor_summary_pb(token.actor),
        position=token.position,
        text=token.text,
        translation=token.translation,
        start_seconds=token.start_seconds,
        end_seconds=token.end_seconds,
        words=[common_pb2.WordTiming(word=w.word, start_seconds=w.start, end_seconds=w.end) for w in token.words],
        reference_audio=audio_pb(token.reference_audio),
        reference_pitch=pitch,
        reference_key=token.reference_sha256,
        view_count=token.view_count,
        take_count=token.take_count,
        language=token.language,
        script_title=token.script_title,
        reference_duration_seconds=token.reference_duration_seconds,
        video_start_seconds=token.video_start_seconds,
        video_end_seconds=token.video_end_seconds,
        video_words=[
            catalog_pb2.VideoWord(word=w.word, start_seconds=w.start, end_seconds=w.end, probability=w.probability)
            for w in token.video_words()
        ],
    )


def script_pb(script: Script) -> catalog_pb2.Script:
    return catalog_pb2.Script(
        id=script.id,
        external_id=script.external_id,
        title=script.title,
        work_title=script.work_title,
        kind=_KINDS[script.kind],
        category=script.category,
        language=script.language,
        source_video_url=script.source_video_url,
        thumbnail_url=script.thumbnail_url,
        duration_seconds=script.duration_seconds,
        background_track=audio_pb(script.background_track),
        actors=[catalog_pb2.ActorSummary(id=a.id, name=a.name) for a in script.actors],
        view_count=script.view_count,
        take_count=script.take_count,
        create_time=timestamp(script.created_at),
        update_time=timestamp(script.updated_at),
        tokens=[token_pb(t) for t in script.tokens],
        token_count=script.token_count,
        video_start_seconds=script.video_start_seconds,
        video_end_seconds=script.video_end_seconds,
        collections=list(script.collections),
        pitch_track=pitch_pb(script.pitch_track()),
    )


def script_bookmark_pb(bookmark: ScriptBookmark) -> catalog_pb2.ScriptBookmark:
    return catalog_pb2.ScriptBookmark(
        id=bookmark.id,
        script_id=bookmark.script_id,
        create_time=timestamp(bookmark.created_at),
        script=script_pb(bookmark.script),
    )


def duet_pb(duet: Duet) -> catalog_pb2.Duet:
    return catalog_pb2.Duet(source_video_url=duet.source_video_url, scripts=[script_pb(s) for s in duet.scripts])


def bookmark_pb(bookmark: Bookmark) -> catalog_pb2.Bookmark:
    token, script = bookmark.token, bookmark.script
    return catalog_pb2.Bookmark(
        token_id=bookmark.token_id,
        create_time=timestamp(bookmark.created_at),
        token=catalog_pb2.TokenSummary(
            id=token.id,
            script_id=token.script_id,
            text=token.text,
            actor=actor_summary_pb(token.actor),
            position=token.position,
        ),
        script=catalog_pb2.ScriptSummary(
            id=script.id,
            title=script.title,
            work_title=script.work_title,
            category=script.category,
            thumbnail_url=script.thumbnail_url,
            source_video_url=script.source_video_url,
        ),
    )


# ---- edits: the fields a request sets, as domain values ------------------------------------------
_SCRIPT_PATHS = (
    "title",
    "work_title",
    "kind",
    "category",
    "language",
    "source_video_url",
    "thumbnail_url",
    "duration_seconds",
    "video_start_seconds",
    "collections",
)
_TOKEN_PATHS = ("script_id", "actor", "position", "text", "translation", "start_seconds", "end_seconds", "words")
_ACTOR_PATHS = ("name", "aliases")


def _paths(message: Message, mask: FieldMask | None, allowed: tuple[str, ...], creating: bool) -> list[str]:
    if creating:
        return list(allowed)
    if mask is not None and mask.paths:
        paths = [{"actor.id": "actor"}.get(p, p) for p in mask.paths]
        unknown = sorted(set(paths) - set(allowed))
        if unknown:
            raise InvalidArgument("INVALID_UPDATE_MASK", f"fields not updatable: {', '.join(unknown)}")
        return list(dict.fromkeys(paths))
    # AIP-134: no mask means every field the request populated.
    present = {field.name for field, _ in message.ListFields()}
    return [p for p in allowed if p in present]


def script_values(
    script: catalog_pb2.Script, mask: FieldMask | None = None, *, creating: bool = False
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path in _paths(script, mask, _SCRIPT_PATHS, creating):
        if path == "kind":
            values[path] = kind_of(script.kind)
        elif path == "collections":
            values[path] = list(script.collections)
        else:
            values[path] = getattr(script, path)
    return values


def token_values(token: catalog_pb2.Token, mask: FieldMask | None = None, *, creating: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path in _paths(token, mask, _TOKEN_PATHS, creating):
        if path == "actor":
            values["actor_id"] = token.actor.id
        elif path == "words":
            values["words"] = tuple(Word(w.word, w.start_seconds, w.end_seconds) for w in token.words)
        elif path == "script_id":
            values["script_id"] = token.script_id
        else:
            values[path] = getattr(token, path)
    return values


def actor_values(actor: catalog_pb2.Actor, mask: FieldMask | None = None, *, creating: bool = False) -> dict[str, Any]:
    return {
        path: (list(actor.aliases) if path == "aliases" else actor.name)
        for path in _paths(actor, mask, _ACTOR_PATHS, creating)
    }
