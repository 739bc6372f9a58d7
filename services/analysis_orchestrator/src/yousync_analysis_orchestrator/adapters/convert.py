"""Domain ⇄ protobuf for the orchestrator (the API and the events it publishes)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from yousync.analysis.v1 import analysis_pb2, events_pb2
from yousync.analyzer.v1 import analyzer_pb2
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator.domain import (
    Analysis,
    Job,
    JobEvent,
    JobState,
    Overview,
    Result,
    Scores,
    Stage,
    Take,
)
from yousync_platform.protobuf import timestamp
from yousync_platform.storage.base import SignedUrl

_STATES = {
    JobState.QUEUED: analysis_pb2.JOB_STATE_QUEUED,
    JobState.RUNNING: analysis_pb2.JOB_STATE_RUNNING,
    JobState.COMPLETED: analysis_pb2.JOB_STATE_COMPLETED,
    JobState.FAILED: analysis_pb2.JOB_STATE_FAILED,
}
_STAGES: dict[Stage, Any] = {stage: analysis_pb2.JobStage.Value(f"JOB_STAGE_{stage.value}") for stage in Stage}
ANALYZER_STAGES = {
    analyzer_pb2.STAGE_DECODING: Stage.DECODING,
    analyzer_pb2.STAGE_QUALITY_CHECK: Stage.QUALITY_CHECK,
    analyzer_pb2.STAGE_ALIGNMENT: Stage.ALIGNMENT,
    analyzer_pb2.STAGE_RECOGNITION: Stage.RECOGNITION,
    analyzer_pb2.STAGE_PITCH: Stage.PITCH,
    analyzer_pb2.STAGE_SCORING: Stage.SCORING,
}


def job_pb(job: Job) -> analysis_pb2.Job:
    return analysis_pb2.Job(
        id=job.id,
        take_id=job.take_id,
        token_id=job.token_id,
        script_id=job.script_id,
        state=_STATES[job.state],
        stage=_STAGES[job.stage],
        progress=job.progress,
        message=job.message,
        last_sequence=job.last_sequence,
        failure=analysis_pb2.JobFailure(reason=job.failure_reason, message=job.failure_message)
        if job.failure_reason
        else None,
        create_time=timestamp(job.created_at),
        update_time=timestamp(job.updated_at),
        complete_time=timestamp(job.completed_at),
    )


def audio_access_pb(url: SignedUrl, content_type: str) -> common_pb2.AudioAccess:
    return common_pb2.AudioAccess(url=url.url, expire_time=timestamp(url.expires_at), content_type=content_type)


def scores_pb(scores: Scores | None) -> analyzer_pb2.Scores | None:
    if scores is None:
        return None
    return analyzer_pb2.Scores(
        pronunciation=scores.pronunciation,
        intonation=scores.intonation,
        expressiveness=scores.expressiveness,
        timing=scores.timing,
        overall=scores.overall,
        completeness=scores.completeness or 0.0,
    )


def scores_of(result: analyzer_pb2.AnalysisResult) -> Scores | None:
    if result.verdict != analyzer_pb2.VERDICT_SCORED:
        return None
    s = result.scores
    return Scores(s.pronunciation, s.intonation, s.expressiveness, s.timing, s.overall, s.completeness)


def analysis_of(result: analyzer_pb2.AnalysisResult) -> Analysis:
    """The analyzer's result as the domain sees it: a few fields, and the rest kept whole."""
    return Analysis(
        verdict=result.verdict,
        scores=scores_of(result),
        duration_seconds=result.quality.duration_seconds,
        raw=result.SerializeToString(),
    )


def result_pb(result: Result) -> analysis_pb2.Result:
    return analysis_pb2.Result(
        job_id=result.job_id,
        take_id=result.take_id,
        token_id=result.token_id,
        script_id=result.script_id,
        analysis=analyzer_pb2.AnalysisResult.FromString(result.analysis),
        create_time=timestamp(result.created_at),
    )


def event_pb(event: JobEvent) -> analysis_pb2.JobEvent:
    return analysis_pb2.JobEvent(
        job_id=event.job_id,
        sequence=event.sequence,
        state=_STATES[event.state],
        stage=_STAGES[event.stage],
        progress=event.progress,
        message=event.message,
        time=timestamp(event.time),
        result=result_pb(event.result) if event.result else None,
        failure=analysis_pb2.JobFailure(reason=event.failure_reason, message=event.failure_message)
        if event.failure_reason
        else None,
        snapshot=event.snapshot,
    )


_STATE_OF = {v: k for k, v in _STATES.items()}
_STAGE_OF = {v: k for k, v in _STAGES.items()}


def result_of(result: analysis_pb2.Result) -> Result:
    """A published result back in domain terms (as `result_pb` wrote it)."""
    analysis = analysis_of(result.analysis)
    return Result(
        job_id=result.job_id,
        take_id=result.take_id,
        token_id=result.token_id,
        script_id=result.script_id,
        verdict=analysis.verdict,
        scores=analysis.scores,
        analysis=analysis.raw,
        created_at=result.create_time.ToDatetime(tzinfo=dt.UTC),
        duration_seconds=analysis.duration_seconds,
    )


def event_of(event: analysis_pb2.JobEvent) -> JobEvent:
    """A published event back in domain terms, with its result when it carries one (a job's last event
    does: its watchers need not read it from the database)."""
    return JobEvent(
        job_id=event.job_id,
        sequence=event.sequence,
        state=_STATE_OF.get(event.state, JobState.RUNNING),
        stage=_STAGE_OF.get(event.stage, Stage.SCORING),
        progress=event.progress,
        message=event.message,
        time=event.time.ToDatetime(tzinfo=dt.UTC),
        failure_reason=event.failure.reason,
        failure_message=event.failure.message,
        result=result_of(event.result) if event.HasField("result") else None,
    )


class ProtobufCodec:
    """The wire format of the outbox and JetStream: protobuf."""

    def job_event(self, event: JobEvent) -> bytes:
        return event_pb(event).SerializeToString()

    def take_completed(self, event_id: uuid.UUID, job: Job, event: JobEvent, analysis: Analysis) -> bytes:
        return events_pb2.TakeCompleted(
            event_id=str(event_id),
            job_id=job.id,
            take_id=job.take_id,
            user_id=job.user_id,
            token_id=job.token_id,
            script_id=job.script_id,
            complete_time=timestamp(event.time),
            scores=scores_pb(analysis.scores),
            verdict=analysis.verdict,  # type: ignore[arg-type]
        ).SerializeToString()


def take_pb(take: Take) -> analysis_pb2.Take:
    return analysis_pb2.Take(
        id=take.id,
        token_id=take.token_id,
        script_id=take.script_id,
        job_id=take.job_id,
        state=_STATES[take.state],
        format=take.audio_format,  # type: ignore[arg-type]
        size_bytes=take.size_bytes,
        duration_seconds=take.duration_seconds,
        scores=scores_pb(take.scores),
        verdict=take.verdict,  # type: ignore[arg-type]
        create_time=timestamp(take.created_at),
        token_text=take.token_text,
        script_title=take.script_title,
    )


def overview_pb(overview: Overview) -> analysis_pb2.MyOverview:
    def stats(name: str) -> analysis_pb2.ScoreStats:
        s = overview.stats[name]
        return analysis_pb2.ScoreStats(average=s.average, best=s.best)

    return analysis_pb2.MyOverview(
        total_takes=overview.total_takes,
        scored_takes=overview.scored_takes,
        distinct_tokens=overview.distinct_tokens,
        distinct_scripts=overview.distinct_scripts,
        pronunciation=stats("pronunciation"),
        intonation=stats("intonation"),
        expressiveness=stats("expressiveness"),
        timing=stats("timing"),
        overall=stats("overall"),
        weekly=[
            analysis_pb2.WeeklyProgress(
                week_start_time=timestamp(w.week_start), takes=w.takes, average_overall=w.average_overall
            )
            for w in overview.weekly
        ],
        recent_takes=[take_pb(t) for t in overview.recent],
    )
