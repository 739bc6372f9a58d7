"""One repository per aggregate (takes, jobs, job events, outbox, webhook nonces), in PostgreSQL; every
statement runs in the caller's transaction. The job's state machine is the domain's
(`JobState.sources_of`); the conditional UPDATE here only enforces it against concurrent writers."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from yousync_analysis_orchestrator.db.models import (
    JobEventRow,
    JobRow,
    OutboxRow,
    ResultRow,
    TakeRow,
    WebhookNonceRow,
)
from yousync_analysis_orchestrator.domain import (
    Analysis,
    Job,
    JobEvent,
    JobState,
    NewTake,
    Overview,
    Result,
    Scores,
    ScoreStats,
    Stage,
    StoredRequest,
    Take,
    WeekProgress,
)
from yousync_platform.telemetry import inject

OUTBOX_CHANNEL = "analysis_outbox"
_NOTIFY = text(f"NOTIFY {OUTBOX_CHANNEL}")
SCORE_COLUMNS = ("pronunciation", "intonation", "expressiveness", "timing", "overall")
# Stored with the scores but not averaged in the overview (a 0-1 share, unlike the 0-100 scores).
STORED_SCORE_COLUMNS = (*SCORE_COLUMNS, "completeness")
# Namespace of the per-user advisory lock taken by uploads (the other key is a hash of the user id).
USER_LOCK_NAMESPACE = 0x41_4E_41  # "ANA"


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
    return Scores(row.pronunciation, row.intonation, row.expressiveness, row.timing, row.overall, row.completeness)


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
        duration_seconds=row.duration_seconds or 0.0,
    )


def _event(row: JobEventRow) -> JobEvent:
    return JobEvent(
        job_id=str(row.job_id),
        sequence=row.sequence,
        state=JobState(row.state),
        stage=Stage(row.stage),
        progress=row.progress,
        message=row.message,
        time=row.time,
        failure_reason=row.failure_reason,
        failure_message=row.failure_message,
    )


class Takes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, take: NewTake) -> bool:
        take_id = uuid.UUID(take.id)
        inserted = await self._session.scalar(
            insert(TakeRow)
            .values(
                id=take_id,
                user_id=take.user_id,
                request_id=take.request_id,
                token_id=take.token_id,
                script_id=take.script_id,
                token_text=take.token_text,
                script_title=take.script_title,
                blob_key=take.blob_key,
                audio_format=take.audio_format,
                size_bytes=take.size_bytes,
                sha256=take.sha256,
                duration_seconds=take.duration_seconds,
                label_content_type=take.label_content_type[:255],
                filename=take.filename[:255],
            )
            .on_conflict_do_nothing()
            .returning(TakeRow.id)
        )
        if inserted is None:
            return False
        await self._session.execute(
            insert(JobRow).values(
                id=uuid.UUID(take.job_id),
                take_id=take_id,
                user_id=take.user_id,
                token_id=take.token_id,
                script_id=take.script_id,
                state=JobState.QUEUED.value,
                stage=Stage.QUEUED.value,
                progress=0,
                message="queued",
                last_sequence=1,
            )
        )
        return True

    async def by_request(self, user_id: str, request_id: str) -> StoredRequest | None:
        row = (
            await self._session.execute(
                select(TakeRow.token_id, TakeRow.sha256, JobRow)
                .join(JobRow, JobRow.take_id == TakeRow.id)
                .where(TakeRow.user_id == user_id, TakeRow.request_id == request_id)
            )
        ).one_or_none()
        return StoredRequest(row[0], row[1], _job(row[2])) if row else None

    def _query(self, user_id: str) -> Any:
        return (
            select(
                TakeRow,
                JobRow.id.label("job_id"),
                JobRow.state,
                ResultRow.verdict,
                ResultRow.duration_seconds.label("result_duration"),
                *(getattr(ResultRow, c) for c in STORED_SCORE_COLUMNS),
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
            duration_seconds=row.result_duration or take.duration_seconds or 0.0,
        )

    async def list(
        self,
        user_id: str,
        *,
        limit: int,
        token_id: int = 0,
        script_id: int = 0,
        after: tuple[dt.datetime, uuid.UUID] | None = None,
    ) -> list[Take]:
        """Newest first; keyset pagination on (created_at, id)."""
        query = self._query(user_id)
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

    async def get(self, user_id: str, take_id: str) -> Take | None:
        key = as_uuid(take_id)
        if key is None:
            return None
        row = (await self._session.execute(self._query(user_id).where(TakeRow.id == key))).one_or_none()
        return self._take(row) if row else None

    async def delete(self, user_id: str, take_id: str) -> str | None:
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
            recent=await self.list(user_id, limit=recent),
        )


class Jobs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_user(self, user_id: str) -> None:
        await self._session.execute(select(func.pg_advisory_xact_lock(USER_LOCK_NAMESPACE, func.hashtext(user_id))))

    async def count_active(self, user_id: str, states: Collection[JobState]) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.user_id == user_id, JobRow.state.in_([s.value for s in states]))
        )
        return int(count or 0)

    async def get(self, job_id: str, user_id: str | None = None) -> Job | None:
        key = as_uuid(job_id)
        if key is None:
            return None
        query = select(JobRow).where(JobRow.id == key)
        if user_id is not None:
            query = query.where(JobRow.user_id == user_id)
        row = await self._session.scalar(query)
        return _job(row) if row else None

    async def last_sequences(self, job_ids: Collection[str]) -> dict[str, int]:
        keys = [key for key in map(as_uuid, job_ids) if key is not None]
        if not keys:
            return {}
        rows = await self._session.execute(select(JobRow.id, JobRow.last_sequence).where(JobRow.id.in_(keys)))
        return {str(job_id): sequence for job_id, sequence in rows}

    async def move(
        self,
        job_id: str,
        *,
        target: JobState,
        stage: Stage,
        progress: int,
        message: str,
        attempt: bool = False,
        failure_reason: str = "",
        failure_message: str = "",
    ) -> Job | None:
        key = as_uuid(job_id)
        if key is None:
            return None
        values: dict[str, Any] = {
            "state": target.value,
            "stage": stage.value,
            # Progress never goes back while a job runs.
            "progress": func.greatest(JobRow.progress, progress) if target == JobState.RUNNING else progress,
            "message": message,
            "last_sequence": JobRow.last_sequence + 1,
            "updated_at": func.now(),
        }
        if attempt:
            values["attempts"] = JobRow.attempts + 1
        if target.terminal:
            values.update(failure_reason=failure_reason, failure_message=failure_message, completed_at=func.now())
        sources = [s.value for s in JobState.sources_of(target)]
        row = await self._session.scalar(
            update(JobRow).where(JobRow.id == key, JobRow.state.in_(sources)).values(**values).returning(JobRow)
        )
        return _job(row) if row is not None else None

    async def add_result(self, job: Job, analysis: Analysis) -> Result:
        scores = analysis.scores
        row = await self._session.scalar(
            insert(ResultRow)
            .values(
                job_id=uuid.UUID(job.id),
                user_id=job.user_id,
                verdict=analysis.verdict,
                analysis=analysis.raw,
                duration_seconds=analysis.duration_seconds,
                **({c: getattr(scores, c) for c in STORED_SCORE_COLUMNS} if scores else {}),
            )
            .returning(ResultRow)
        )
        assert row is not None
        return _result(row, job)

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


class JobEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: JobEvent, *, keep: int) -> None:
        key = uuid.UUID(event.job_id)
        await self._session.execute(
            insert(JobEventRow)
            .values(
                job_id=key,
                sequence=event.sequence,
                state=event.state.value,
                stage=event.stage.value,
                progress=event.progress,
                message=event.message,
                failure_reason=event.failure_reason,
                failure_message=event.failure_message,
                time=event.time,
            )
            .on_conflict_do_nothing()
        )
        if event.sequence > keep:
            await self._session.execute(
                delete(JobEventRow).where(JobEventRow.job_id == key, JobEventRow.sequence <= event.sequence - keep)
            )

    async def after(self, job_id: str, sequence: int) -> list[JobEvent]:
        key = as_uuid(job_id)
        if key is None:
            return []
        rows = await self._session.scalars(
            select(JobEventRow)
            .where(JobEventRow.job_id == key, JobEventRow.sequence > sequence)
            .order_by(JobEventRow.sequence)
        )
        return [_event(row) for row in rows]

    async def first_kept(self, job_id: str) -> int:
        key = as_uuid(job_id)
        if key is None:
            return 0
        first = await self._session.scalar(select(func.min(JobEventRow.sequence)).where(JobEventRow.job_id == key))
        return int(first or 0)


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._added = False

    async def add(self, subject: str, payload: bytes, event_id: uuid.UUID | None = None) -> uuid.UUID:
        """Inserted with the transaction's next statement (a use case's rows go in one INSERT)."""
        event_id = event_id or uuid.uuid4()
        # The active trace context travels with the row (the relay publishes it in a later transaction).
        self._session.add(
            OutboxRow(event_id=event_id, subject=subject, payload=payload, trace_headers=inject() or None)
        )
        self._added = True
        return event_id

    async def notify(self) -> None:
        """Before the commit: wake the relays once it lands, if this transaction added rows (one NOTIFY)."""
        if self._added:
            await self._session.execute(_NOTIFY)

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


class WebhookNonces:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(self, key: bytes, expires_at: dt.datetime) -> bool:
        # One statement: the expired keys are forgotten as this one is remembered. (A key cannot meet an
        # expired copy of itself: it holds its call's timestamp, which was checked to be recent.)
        forget = delete(WebhookNonceRow).where(WebhookNonceRow.expires_at < func.now()).cte("forgotten")
        inserted = await self._session.scalar(
            insert(WebhookNonceRow)
            .add_cte(forget)
            .values(key=key, expires_at=expires_at)
            .on_conflict_do_nothing()
            .returning(WebhookNonceRow.key)
        )
        return inserted is not None
