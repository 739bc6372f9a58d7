"""The job's state machine and the idempotency rule, as plain functions."""

from __future__ import annotations

import datetime as dt

import pytest

from yousync_analysis_orchestrator.domain import (
    ACTIVE_STATES,
    Job,
    JobState,
    Stage,
    StoredRequest,
    check_replay,
    replay_key,
    webhook_signature,
)
from yousync_platform.errors import FailedPrecondition

Q, R, C, F = JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED, JobState.FAILED


def test_a_job_ends_exactly_once() -> None:
    for terminal in (C, F):
        assert terminal.terminal and not terminal.active
        assert not any(terminal.can_move_to(target) for target in JobState), "nothing leaves a terminal state"
    for live in (Q, R):
        assert all(live.can_move_to(target) for target in JobState)
    assert JobState.sources_of(C) == JobState.sources_of(F) == {Q, R}
    assert JobState.sources_of(R) == {Q, R}
    assert {Q, R} == ACTIVE_STATES


def job(token_id: int = 7) -> Job:
    t = dt.datetime.now(dt.UTC)
    return Job("j", "t", "u", token_id, 3, Q, Stage.QUEUED, 0, "queued", 1, "", "", t, t, None)


def test_a_key_replays_only_the_same_line_and_recording() -> None:
    stored = StoredRequest(7, b"a" * 32, job())
    assert check_replay(stored, 7, b"a" * 32) is stored.job
    with pytest.raises(FailedPrecondition) as other_line:
        check_replay(stored, 8, b"a" * 32)
    assert other_line.value.reason == "IDEMPOTENCY_KEY_REUSED" and "another line" in other_line.value.message
    with pytest.raises(FailedPrecondition) as other_audio:
        check_replay(stored, 7, b"b" * 32)
    assert "different recording" in other_audio.value.message


def test_webhook_signature_and_replay_key() -> None:
    signature = webhook_signature(b"s", 100, b"{}")
    assert len(signature) == 64 and signature != webhook_signature(b"s", 101, b"{}")
    assert replay_key(100, signature) == replay_key(100, signature.upper() + " ")
    assert replay_key(100, signature) != replay_key(101, signature)
