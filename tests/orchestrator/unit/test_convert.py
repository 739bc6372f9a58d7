"""Job events published on JetStream come back to the watchers as they were written."""

from __future__ import annotations

import datetime as dt

from yousync.analyzer.v1 import analyzer_pb2
from yousync_analysis_orchestrator.adapters.convert import analysis_of, event_of, event_pb
from yousync_analysis_orchestrator.domain import JobEvent, JobState, Result, Stage

T = dt.datetime(2026, 11, 30, 8, 45, 12, 345678, tzinfo=dt.UTC)


def test_a_published_event_reads_back_whole_with_its_result() -> None:
    scored = analyzer_pb2.AnalysisResult(verdict=analyzer_pb2.VERDICT_SCORED)
    scored.scores.overall, scored.scores.pronunciation, scored.scores.completeness = 81.5, 77.25, 1.0
    scored.quality.duration_seconds = 2.5
    analysis = analysis_of(scored)
    result = Result("j1", "t1", 7, 3, analysis.verdict, analysis.scores, analysis.raw, T, analysis.duration_seconds)
    last = JobEvent("j1", 5, JobState.COMPLETED, Stage.DONE, 100, "analysis complete", T, result=result)
    running = JobEvent("j1", 3, JobState.RUNNING, Stage.SCORING, 80, "scoring", T)
    failed = JobEvent("j2", 4, JobState.FAILED, Stage.DONE, 100, "fell over", T, "GPU", "fell over")
    for event in (last, running, failed):
        assert event_of(event_pb(event)) == event
    back = event_of(event_pb(last)).result
    assert back is not None and back.scores is not None and back.scores.overall == 81.5
    assert analyzer_pb2.AnalysisResult.FromString(back.analysis) == scored
