"""Catalog protobuf → the original frontend's JSON shapes: its Token (our script, a clip) and its
TokenDetail with scripts (our tokens, lines) and words, all on the source video's timeline."""

from __future__ import annotations

from typing import Any

from yousync.catalog.v1 import catalog_pb2
from yousync_gateway.convert import ts

# A word has no id of its own in the catalog; the frontend wants one (React keys): line id × this + position.
WORD_ID_FACTOR = 10_000


def _or_none(value: str) -> str | None:
    return value or None


def clip(s: catalog_pb2.Script) -> dict[str, Any]:
    """The frontend's Token: one dubbable clip."""
    background = s.background_track.url if s.HasField("background_track") else ""
    return {
        "id": s.id,
        "token_name": s.title,
        "actor_name": s.actors[0].name if s.actors else "",
        "category": _or_none(s.category),
        "start_time": s.video_start_seconds,
        "end_time": s.video_end_seconds,
        "s3_textgrid_url": None,
        "s3_pitch_url": None,
        "s3_bgvoice_url": _or_none(background),
        "thumbnail_url": _or_none(s.thumbnail_url),
        "youtube_url": s.source_video_url,
        "view_count": s.view_count,
    }


def line(t: catalog_pb2.Token, clip_id: int) -> dict[str, Any]:
    """The frontend's "script": one line, with its words, on the video's timeline."""
    return {
        "id": t.id,
        "token_id": clip_id,
        "script": t.text,
        "translation": _or_none(t.translation),
        "start_time": t.video_start_seconds,
        "end_time": t.video_end_seconds,
        "words": [
            {
                "id": t.id * WORD_ID_FACTOR + index,
                "script_id": t.id,
                "word": w.word,
                "start_time": w.start_seconds,
                "end_time": w.end_seconds,
                "probability": w.probability,
            }
            for index, w in enumerate(t.video_words, start=1)
        ],
    }


def clip_detail(s: catalog_pb2.Script) -> dict[str, Any]:
    """The frontend's TokenDetail: pitch an array of {time, hz} or null; lines in chronological order."""
    out = clip(s)
    out["bgvoice_url"] = out["s3_bgvoice_url"]
    out["pitch"] = (
        [{"time": p.time_seconds, "hz": p.hz if p.HasField("hz") else None} for p in s.pitch_track]
        if s.pitch_track
        else None
    )
    lines = sorted(s.tokens, key=lambda t: (t.video_start_seconds, t.position, t.id))
    out["scripts"] = [line(t, s.id) for t in lines]
    return out


def duet(d: catalog_pb2.Duet) -> dict[str, Any]:
    first = d.scripts[0] if d.scripts else None
    return {
        "scene_title": first.title if first else "",
        "youtube_url": d.source_video_url,
        "thumbnail_url": _or_none(first.thumbnail_url) if first else None,
        "duet_pair": [clip(s) for s in d.scripts],
    }


def bookmark(b: catalog_pb2.ScriptBookmark, user_id: str) -> dict[str, Any]:
    s = b.script
    return {
        "id": b.id,
        "user_id": user_id,
        "token_id": b.script_id,
        "created_at": ts(b.create_time),
        "token": {
            "id": s.id,
            "token_name": s.title,
            "actor_name": s.actors[0].name if s.actors else "",
            "category": _or_none(s.category),
            "thumbnail_url": _or_none(s.thumbnail_url),
            "youtube_url": s.source_video_url,
        },
    }


def reference_words(t: catalog_pb2.Token) -> list[str]:
    """The line's words as the catalog spells them (its word timings, else its text split on blanks)."""
    return [w.word for w in t.words if w.word] or t.text.split()


def with_reference_words(pitch: dict[str, Any], words: list[str]) -> dict[str, Any]:
    """A PitchResult whose `word_analysis` is empty (a take sent back before any word was aligned: silence,
    too short) gets one failed entry per word of the line, as the original backend always answered.

    The frontend files each result under its words joined (`word_analysis[].word`, lower-cased, letters and
    digits only) and counts a line as analysed only when that key equals the line's text; an empty list
    filed the result under "" and the line never counted. Scores stay 0; nothing else changes."""
    if pitch.get("word_analysis") or not words:
        return pitch
    entries = [
        {
            "word": word,
            "text_status": "fail",
            "time_match": False,
            "overlap_ratio": 0.0,
            "mfcc_similarity": 0.0,
            "word_score": 0.0,
        }
        for word in words
    ]
    summary = {**pitch.get("summary", {}), "total_words": len(entries), "passed_words": 0, "time_matched_words": 0}
    failures = {**pitch.get("failure_analysis", {}), "stt_failures": list(words), "time_failures": list(words)}
    stt = {
        **pitch.get("user_stt", {}),
        "word_timestamps": [{"word": word, "start": -1, "end": -1} for word in words],
    }
    return {**pitch, "word_analysis": entries, "summary": summary, "failure_analysis": failures, "user_stt": stt}
