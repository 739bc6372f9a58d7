"""protobuf → JSON-ready dicts for the HTTP API, nowhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from yousync.analysis.v1 import analysis_pb2
from yousync.analyzer.v1 import analyzer_pb2
from yousync.auth.v1 import auth_pb2
from yousync.catalog.v1 import catalog_pb2
from yousync.common.v1 import common_pb2

JOB_TERMINAL = frozenset({analysis_pb2.JOB_STATE_COMPLETED, analysis_pb2.JOB_STATE_FAILED})


def ts(value: Timestamp) -> str | None:
    if value.seconds == 0 and value.nanos == 0:
        return None
    moment = dt.datetime.fromtimestamp(value.seconds + value.nanos / 1e9, dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def ts_seconds(value: Timestamp) -> float:
    return value.seconds + value.nanos / 1e9


def enum_name(enum: Any, value: int, prefix: str) -> str:
    try:
        name: str = enum.Name(value)
    except ValueError:
        return "unspecified"
    return name.removeprefix(prefix).lower()


def state_name(state: int) -> str:
    return enum_name(analysis_pb2.JobState, state, "JOB_STATE_")


def stage_name(stage: int) -> str:
    return enum_name(analysis_pb2.JobStage, stage, "JOB_STAGE_")


def status_of(state: int) -> str:
    """The seed's status: processing until completed or failed."""
    if state == analysis_pb2.JOB_STATE_COMPLETED:
        return "completed"
    if state == analysis_pb2.JOB_STATE_FAILED:
        return "failed"
    return "processing"


# ---------------------------------------------------------------- auth
def user(u: auth_pb2.User) -> dict[str, Any]:
    return {
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "picture_url": u.picture_url,
        "roles": [enum_name(common_pb2.Role, r, "ROLE_") for r in u.roles],
        "created_at": ts(u.create_time),
        "full_name": u.display_name,
        "profile_picture": u.picture_url,
    }


def session(s: auth_pb2.Session, now: float) -> dict[str, Any]:
    return {
        "access_token": s.access_token,
        "token_type": "bearer",
        "expires_in": max(0, int(ts_seconds(s.access_token_expire_time) - now)),
        "access_token_expires_at": ts(s.access_token_expire_time),
        "refresh_token": s.refresh_token,
        "refresh_token_expires_at": ts(s.refresh_token_expire_time),
        "user": user(s.user),
    }


# ---------------------------------------------------------------- catalog
def actor_summary(a: catalog_pb2.ActorSummary) -> dict[str, Any]:
    return {"id": a.id, "name": a.name}


def actor(a: catalog_pb2.Actor) -> dict[str, Any]:
    return {"id": a.id, "external_id": a.external_id, "name": a.name, "aliases": list(a.aliases)}


def audio_access(a: common_pb2.AudioAccess) -> dict[str, Any] | None:
    if not a.url:
        return None
    return {"url": a.url, "expires_at": ts(a.expire_time), "content_type": a.content_type}


def pitch_point(p: common_pb2.PitchPoint) -> dict[str, Any]:
    hz = p.hz if p.HasField("hz") else None
    return {"time_seconds": p.time_seconds, "hz": hz, "time": p.time_seconds}


def token(t: catalog_pb2.Token) -> dict[str, Any]:
    reference = audio_access(t.reference_audio)
    return {
        "id": t.id,
        "script_id": t.script_id,
        "position": t.position,
        "text": t.text,
        "translation": t.translation,
        "start_seconds": t.start_seconds,
        "end_seconds": t.end_seconds,
        "actor": actor_summary(t.actor) if t.HasField("actor") else None,
        "words": [{"word": w.word, "start_seconds": w.start_seconds, "end_seconds": w.end_seconds} for w in t.words],
        "reference_audio": reference,
        "reference_audio_url": reference["url"] if reference else None,
        "reference_pitch": [pitch_point(p) for p in t.reference_pitch],
        "reference_duration_seconds": t.reference_duration_seconds,
        "view_count": t.view_count,
        "take_count": t.take_count,
        "language": t.language,
        "script_title": t.script_title,
    }


def script(s: catalog_pb2.Script, *, with_tokens: bool = False) -> dict[str, Any]:
    out = {
        "id": s.id,
        "external_id": s.external_id,
        "title": s.title,
        "work_title": s.work_title,
        "kind": enum_name(catalog_pb2.ScriptKind, s.kind, "SCRIPT_KIND_"),
        "category": s.category,
        "language": s.language,
        "source_video_url": s.source_video_url,
        "thumbnail_url": s.thumbnail_url,
        "duration_seconds": s.duration_seconds,
        "background_track": audio_access(s.background_track),
        "actors": [actor_summary(a) for a in s.actors],
        "view_count": s.view_count,
        "take_count": s.take_count,
        "token_count": s.token_count or len(s.tokens),
        "created_at": ts(s.create_time),
        "token_name": s.title,
        "actor_name": s.actors[0].name if s.actors else "",
        "youtube_url": s.source_video_url,
    }
    if with_tokens:
        out["tokens"] = [token(t) for t in s.tokens]
    return out


def bookmark(b: catalog_pb2.Bookmark) -> dict[str, Any]:
    t, s = b.token, b.script
    return {
        "id": b.token_id,
        "token_id": b.token_id,
        "created_at": ts(b.create_time),
        "token": {
            "id": t.id,
            "script_id": t.script_id,
            "text": t.text,
            "position": t.position,
            "actor": actor_summary(t.actor) if t.HasField("actor") else None,
            "token_name": s.title,
            "actor_name": t.actor.name,
            "youtube_url": s.source_video_url,
            "thumbnail_url": s.thumbnail_url,
        }
        if b.HasField("token")
        else None,
        "script": {
            "id": s.id,
            "title": s.title,
            "work_title": s.work_title,
            "category": s.category,
            "thumbnail_url": s.thumbnail_url,
            "source_video_url": s.source_video_url,
        }
        if b.HasField("script")
        else None,
    }


# ---------------------------------------------------------------- analysis
def scores(s: analyzer_pb2.Scores) -> dict[str, float | None]:
    return {
        "pronunciation": s.pronunciation,
        "intonation": s.intonation,
        "expressiveness": s.expressiveness,
        "timing": s.timing,
        "overall": s.overall,
        # a scored take always has completeness >= 0.6; 0 means "not recorded" (older results)
        "completeness": s.completeness or None,
    }


def take(t: analysis_pb2.Take) -> dict[str, Any]:
    return {
        "id": t.id,
        "token_id": t.token_id,
        "script_id": t.script_id,
        "job_id": t.job_id,
        "status": status_of(t.state),
        "state": state_name(t.state),
        "format": enum_name(common_pb2.AudioFormat, t.format, "AUDIO_FORMAT_"),
        "size_bytes": t.size_bytes,
        "duration_seconds": t.duration_seconds,
        "scores": scores(t.scores) if t.HasField("scores") else None,
        "verdict": enum_name(analyzer_pb2.Verdict, t.verdict, "VERDICT_") if t.verdict else None,
        "created_at": ts(t.create_time),
        "token_text": t.token_text,
        "script_title": t.script_title,
    }


def _message_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def detailed_feedback(a: analyzer_pb2.AnalysisResult) -> dict[str, Any]:
    out = _message_dict(a)
    out.pop("scores", None)
    out["verdict"] = enum_name(analyzer_pb2.Verdict, a.verdict, "VERDICT_")
    if a.rerecord_reason:
        out["rerecord_reason"] = enum_name(analyzer_pb2.RerecordReason, a.rerecord_reason, "RERECORD_REASON_")
    out["words"] = [
        {**_message_dict(w), "status": enum_name(analyzer_pb2.WordStatus, w.status, "WORD_STATUS_")} for w in a.words
    ]
    out["miscues"] = [
        {**_message_dict(m), "type": enum_name(analyzer_pb2.MiscueType, m.type, "MISCUE_TYPE_")} for m in a.miscues
    ]
    out["feedback"] = list(a.feedback)
    return out


def legacy_pitch_result(a: analyzer_pb2.AnalysisResult) -> dict[str, Any]:
    """The original frontend's PitchResult (scores 0-1), read from SSE `data.result.result`.

    Only a conversion: whether a word is on time is the analyzer's decision (`WordResult.on_time`)."""
    intonation = round(a.scores.intonation / 100, 4)
    words = []
    for w in a.words:
        ok = w.status == analyzer_pb2.WORD_STATUS_OK
        time_match = w.on_time
        words.append(
            {
                "word": w.word,
                "text_status": "pass" if ok else "fail",
                "time_match": time_match,
                "overlap_ratio": 1.0 if time_match else 0.0,
                "mfcc_similarity": intonation,
                "word_score": round(w.score / 100, 4),
            }
        )
    total = len(words)
    passed = sum(1 for w in words if w["text_status"] == "pass")
    timed = sum(1 for w in words if w["time_match"])
    return {
        "overall_score": round(a.scores.overall / 100, 4),
        "word_analysis": words,
        "summary": {
            "text_accuracy": round(passed / total, 4) if total else 0.0,
            "time_accuracy": round(timed / total, 4) if total else 0.0,
            "mfcc_average": intonation,
            "total_words": total,
            "passed_words": passed,
            "time_matched_words": timed,
        },
        "failure_analysis": {
            "stt_failures": [w["word"] for w in words if w["text_status"] == "fail"],
            "time_failures": [w["word"] for w in words if not w["time_match"]],
            "mfcc_low_quality": [],
        },
        "user_stt": {
            "text": a.recognized_text,
            "word_timestamps": [
                {
                    "word": w.word,
                    "start": w.start_seconds if w.HasField("start_seconds") else -1,
                    "end": w.end_seconds if w.HasField("end_seconds") else -1,
                }
                for w in a.words
            ],
        },
    }


def _failure(f: analysis_pb2.JobFailure) -> dict[str, str]:
    return {"reason": f.reason or "FAILED", "message": f.message}


def analysis_result(job: analysis_pb2.Job, result: analysis_pb2.Result | None) -> dict[str, Any]:
    """The seed's result shape for a job in any state (scores null until completed)."""
    out: dict[str, Any] = {
        "job_id": job.id,
        "status": status_of(job.state),
        "state": state_name(job.state),
        "stage": stage_name(job.stage),
        "progress": job.progress,
        "message": job.message,
        "take_id": job.take_id,
        "token_id": job.token_id,
        "script_id": job.script_id,
        "pronunciation_score": None,
        "intonation_score": None,
        "emotion_score": None,
        "timing_score": None,
        "overall_score": None,
        "completeness": None,
        "verdict": None,
        "detailed_feedback": None,
        "error": _failure(job.failure) if job.state == analysis_pb2.JOB_STATE_FAILED else None,
        "created_at": ts(job.create_time),
        "completed_at": ts(job.complete_time),
        "result": None,
    }
    if result is not None:
        out.update(result_fields(result))
    return out


def result_fields(result: analysis_pb2.Result) -> dict[str, Any]:
    a = result.analysis
    scored = a.verdict == analyzer_pb2.VERDICT_SCORED
    return {
        "pronunciation_score": a.scores.pronunciation if scored else None,
        "intonation_score": a.scores.intonation if scored else None,
        "emotion_score": a.scores.expressiveness if scored else None,
        "timing_score": a.scores.timing if scored else None,
        "overall_score": a.scores.overall if scored else None,
        "completeness": a.scores.completeness if scored else None,
        "verdict": enum_name(analyzer_pb2.Verdict, a.verdict, "VERDICT_"),
        "detailed_feedback": detailed_feedback(a),
        "result": legacy_pitch_result(a),
    }


def job_event(e: analysis_pb2.JobEvent) -> dict[str, Any]:
    """One SSE event's JSON: at least status and progress, plus the stage, and the result when completed."""
    out: dict[str, Any] = {
        "job_id": e.job_id,
        "sequence": e.sequence,
        "status": status_of(e.state),
        "state": state_name(e.state),
        "stage": stage_name(e.stage),
        "progress": e.progress,
        "message": e.message,
        "time": ts(e.time),
    }
    if e.state == analysis_pb2.JOB_STATE_COMPLETED and e.HasField("result"):
        job = analysis_pb2.Job(
            id=e.job_id,
            take_id=e.result.take_id,
            token_id=e.result.token_id,
            script_id=e.result.script_id,
            state=e.state,
            stage=e.stage,
            progress=e.progress,
            message=e.message,
            create_time=e.result.create_time,
            complete_time=e.time,
        )
        out["result"] = analysis_result(job, e.result)
    if e.state == analysis_pb2.JOB_STATE_FAILED:
        out["error"] = _failure(e.failure)
    return out


def job_snapshot_event(job: analysis_pb2.Job, result: analysis_pb2.Result | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "job_id": job.id,
        "sequence": job.last_sequence,
        "status": status_of(job.state),
        "state": state_name(job.state),
        "stage": stage_name(job.stage),
        "progress": job.progress,
        "message": job.message,
        "time": ts(job.update_time),
    }
    if job.state == analysis_pb2.JOB_STATE_COMPLETED and result is not None:
        out["result"] = analysis_result(job, result)
    if job.state == analysis_pb2.JOB_STATE_FAILED:
        out["error"] = _failure(job.failure)
    return out


def dubbed_tokens(takes: Iterable[analysis_pb2.Take]) -> list[dict[str, Any]]:
    """Takes grouped by token, most recently dubbed first (the original my-dubbed-tokens)."""
    groups: dict[int, dict[str, Any]] = {}
    for t in takes:
        group = groups.get(t.token_id)
        overall = t.scores.overall if t.HasField("scores") else None
        if group is None:
            groups[t.token_id] = {
                "token_id": t.token_id,
                "token_name": t.script_title,
                "token_text": t.token_text,
                "script_id": t.script_id,
                "script_title": t.script_title,
                "last_dubbed_at": ts(t.create_time),
                "total_takes": 1,
                "best_overall_score": overall,
            }
        else:
            group["total_takes"] += 1
            if overall is not None and (group["best_overall_score"] is None or overall > group["best_overall_score"]):
                group["best_overall_score"] = overall
    return list(groups.values())
