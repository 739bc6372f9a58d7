"""Takes, jobs, results and the outbox in PostgreSQL; every statement runs in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from yousync_analysis_orchestrator.db.models import JobRow, OutboxRow, ResultRow, TakeRow
from yousync_analysis_orchestrator.domain import (
    Job,
    JobEvent,
    JobState,
    Overview,
    Result,
    Scores,
    ScoreStats,
    Stage,
    Take,
    WeekProgress,
)

OUTBOX_CHANNEL = "analysis_outbox"
SCORE_COLUMNS = ("pronunciation", "intonation", "expressiveness", "timing", "overall")


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def _job(row: JobRow) -> Job:
    return Job(
        id=str(row.id),
        take_id=str(row.take_id),
        user_id=row.user_id,
        token_id=row.token_id,
        script_id=row.script_id,
        state=JobState(row.state),
        stage=Stage(row.stage),
        progress=row.progress,
        message=row.message,
        last_sequence=row.last_sequence,
        failure_reason=row.failure_reason,
        failure_message=row.failure_message,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


def _scores(row: Any) -> Scores | None:
    if row.overall is None:
        return None
    return Scores(row.pronunciation, row.intonation, row.expressiveness, row.timing, row.overall)


def _result(row: ResultRow, job: JobRow | Job) -> Result:
    return Result(
        job_id=str(row.job_id),
        take_id=str(job.take_id),
        token_id=job.token_id,
        script_id=job.script_id,
        verdict=row.verdict,
        scores=_scores(row),
        analysis=row.analysis,
        created_at=row.created_at,
    )


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- uploads ------------------------------------------------------------------------------

    async def create_take_and_job(self, take: dict[str, Any], job_id: uuid.UUID) -> bool:
        """Insert the take and its QUEUED job; False when (user, request id) already exists."""
        inserted = await self._session.scalar(
            insert(TakeRow).values(**take).on_conflict_do_nothing().returning(TakeRow.id)
        )
        if inserted is None:
            return False
        await self._session.execute(
            insert(JobRow).values(
                id=job_id,
                take_id=take["id"],
                user_id=take["user_id"],
                token_id=take["token_id"],
                script_id=take["script_id"],
                state=JobState.QUEUED.value,
                stage=Stage.QUEUED.value,
                progress=0,
                message="queued",
                last_sequence=1,
            )
        )
        return True

    async def take_by_request(self, user_id: str, request_id: str) -> tuple[bytes, str, Job] | None:
        """(sha256, blob key, job) of the user's take with this idempotency key."""
        row = (
            await self._session.execute(
                select(TakeRow.sha256, TakeRow.blob_key, JobRow)
                .join(JobRow, JobRow.take_id == TakeRow.id)
                .where(TakeRow.user_id == user_id, TakeRow.request_id == request_id)
            )
        ).one_or_none()
        return (row[0], row[1], _job(row[2])) if row else None

    # --- jobs ---------------------------------------------------------------------------------

    async def job(self, job_id: str, user_id: str | None = None) -> Job | None:
        key = as_uuid(job_id)
        if key is None:
            return None
        query = select(JobRow).where(JobRow.id == key)
        if user_id is not None:
            query = query.where(JobRow.user_id == user_id)
        row = await self._session.scalar(query)
        return _job(row) if row else None

    async def advance(
        self, job_id: str, *, state: JobState, stage: Stage, progress: int, message: str, attempt: bool = False
    ) -> JobEvent | None:
        """Record a non-terminal step; its event, or None when the job is gone or already terminal."""
        values: dict[str, Any] = {
            "state": state.value,
            "stage": stage.value,
            "progress": func.greatest(JobRow.progress, progress) if state == JobState.RUNNING else progress,
            "message": message,
            "last_sequence": JobRow.last_sequence + 1,
            "updated_at": func.now(),
        }
        if attempt:
            values["attempts"] = JobRow.attempts + 1
        row = (
            await self._session.execute(
                update(JobRow)
                .where(JobRow.id == as_uuid(job_id), JobRow.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
                .values(**values)
                .returning(JobRow.last_sequence, JobRow.progress, JobRow.updated_at)
            )
        ).one_or_none()
        if row is None:
            return None
        return JobEvent(job_id, row[0], state, stage, row[1], message, row[2])

    async def finish(
        self,
        job_id: str,
        *,
        state: JobState,
        message: str,
        verdict: int = 0,
        scores: Scores | None = None,
        analysis: bytes = b"",
        failure_reason: str = "",
        failure_message: str = "",
    ) -> tuple[Job, JobEvent] | None:
        """Make the job terminal (with its result when COMPLETED); None when it already was."""
        row = await self._session.scalar(
            update(JobRow)
            .where(JobRow.id == as_uuid(job_id), JobRow.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
            .values(
                state=state.value,
                stage=Stage.DONE.value,
                progress=100,
                message=message,
                last_sequence=JobRow.last_sequence + 1,
                failure_reason=failure_reason,
                failure_message=failure_message,
                updated_at=func.now(),
                completed_at=func.now(),
            )
            .returning(JobRow)
        )
        if row is None:
            return None
        job = _job(row)
        result = None
        if state == JobState.COMPLETED:
            result_row = await self._session.scalar(
                insert(ResultRow)
                .values(
                    job_id=row.id,
                    user_id=row.user_id,
                    verdict=verdict,
                    analysis=analysis,
                    **({c: getattr(scores, c) for c in SCORE_COLUMNS} if scores else {}),
                )
                .returning(ResultRow)
            )
            assert result_row is not None
            result = _result(result_row, job)
        event = JobEvent(
            job.id,
            job.last_sequence,
            state,
            Stage.DONE,
            100,
            message,
            job.updated_at,
            failure_reason=failure_reason,
            failure_message=failure_message,
            result=result,
        )
        return job, event

    async def result(self, job_id: str, user_id: str) -> Result | None:
        key = as_uuid(job_id)
        if key is None:
            return None
        row = (
            await self._session.execute(
                select(ResultRow, JobRow)
                .join(JobRow, JobRow.id == ResultRow.job_id)
                .where(ResultRow.job_id == key, JobRow.user_id == user_id)
            )
        ).one_or_none()
        return _result(row[0], row[1]) if row else None

    # --- my page ------------------------------------------------------------------------------

    def _takes_query(self, user_id: str) -> Any:
        return (
            select(
                TakeRow,
                JobRow.id.label("job_id"),
                JobRow.state,
                ResultRow.verdict,
                *(getattr(ResultRow, c) for c in SCORE_COLUMNS),
            )
            .join(JobRow, JobRow.take_id == TakeRow.id)
            .outerjoin(ResultRow, ResultRow.job_id == JobRow.id)
            .where(TakeRow.user_id == user_id)
        )

    @staticmethod
    def _take(row: Row[Any]) -> Take:
        take: TakeRow = row[0]
        return Take(
            id=str(take.id),
            user_id=take.user_id,
            token_id=take.token_id,
            script_id=take.script_id,
            job_id=str(row.job_id),
            state=JobState(row.state),
            audio_format=take.audio_format,
            size_bytes=take.size_bytes,
            blob_key=take.blob_key,
            created_at=take.created_at,
            token_text=take.token_text,
            script_title=take.script_title,
            verdict=row.verdict or 0,
            scores=_scores(row),
        )

    async def list_takes(
        self,
        user_id: str,
        *,
        limit: int,
        token_id: int = 0,
        script_id: int = 0,
        after: tuple[dt.datetime, uuid.UUID] | None = None,
    ) -> list[Take]:
        """Newest first; keyset pagination on (created_at, id)."""
        query = self._takes_query(user_id)
        if token_id:
            query = query.where(TakeRow.token_id == token_id)
        if script_id:
            query = query.where(TakeRow.script_id == script_id)
        if after is not None:
            created, take_id = after
            query = query.where(
                or_(TakeRow.created_at < created, and_(TakeRow.created_at == created, TakeRow.id < take_id))
            )
        rows = await self._session.execute(query.order_by(TakeRow.created_at.desc(), TakeRow.id.desc()).limit(limit))
        return [self._take(row) for row in rows]

    async def take(self, user_id: str, take_id: str) -> Take | None:
        key = as_uuid(take_id)
        if key is None:
            return None
        row = (await self._session.execute(self._takes_query(user_id).where(TakeRow.id == key))).one_or_none()
        return self._take(row) if row else None

    async def delete_take(self, user_id: str, take_id: str) -> str | None:
        """Delete the take with its job and result; its blob key, or None when not the user's."""
        key = as_uuid(take_id)
        if key is None:
            return None
        return await self._session.scalar(
            delete(TakeRow).where(TakeRow.id == key, TakeRow.user_id == user_id).returning(TakeRow.blob_key)
        )

    async def overview(self, user_id: str, *, weeks: int = 12, recent: int = 5) -> Overview:
        totals = (
            await self._session.execute(
                select(
                    func.count(TakeRow.id),
                    func.count(ResultRow.overall),
                    func.count(func.distinct(TakeRow.token_id)),
                    func.count(func.distinct(TakeRow.script_id)),
                    *(func.coalesce(func.avg(getattr(ResultRow, c)), 0) for c in SCORE_COLUMNS),
                    *(func.coalesce(func.max(getattr(ResultRow, c)), 0) for c in SCORE_COLUMNS),
                )
                .select_from(TakeRow)
                .join(JobRow, JobRow.take_id == TakeRow.id)
                .outerjoin(ResultRow, ResultRow.job_id == JobRow.id)
                .where(TakeRow.user_id == user_id)
            )
        ).one()
        n = len(SCORE_COLUMNS)
        stats = {
            c: ScoreStats(round(float(totals[4 + i]), 2), round(float(totals[4 + n + i]), 2))
            for i, c in enumerate(SCORE_COLUMNS)
        }
        week = func.date_trunc("week", func.timezone("UTC", TakeRow.created_at)).label("week")
        weekly_rows = await self._session.execute(
            select(week, func.count(TakeRow.id), func.coalesce(func.avg(ResultRow.overall), 0))
            .select_from(TakeRow)
            .join(JobRow, JobRow.take_id == TakeRow.id)
            .outerjoin(ResultRow, ResultRow.job_id == JobRow.id)
            .where(TakeRow.user_id == user_id, TakeRow.created_at >= func.now() - dt.timedelta(weeks=weeks))
            .group_by(week)
            .order_by(week)
        )
        weekly = [
            WeekProgress(w.replace(tzinfo=dt.UTC), int(count), round(float(avg), 2)) for w, count, avg in weekly_rows
        ]
        return Overview(
            total_takes=int(totals[0]),
            scored_takes=int(totals[1]),
            distinct_tokens=int(totals[2]),
            distinct_scripts=int(totals[3]),
            stats=stats,
            weekly=weekly,
            recent=await self.list_takes(user_id, limit=recent),
        )

    # --- outbox -------------------------------------------------------------------------------

    async def add_event(self, subject: str, payload: bytes, event_id: uuid.UUID | None = None) -> uuid.UUID:
        event_id = event_id or uuid.uuid4()
        self._session.add(OutboxRow(event_id=event_id, subject=subject, payload=payload))
        await self._session.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))
        return event_id

    async def unpublished(self, limit: int) -> Sequence[OutboxRow]:
        """The oldest unpublished events, locked so concurrent relays take different rows."""
        rows = await self._session.scalars(
            select(OutboxRow)
            .where(OutboxRow.published_at.is_(None))
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    async def mark_published(self, ids: Sequence[int]) -> None:
        if ids:
            await self._session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(published_at=func.now()))
