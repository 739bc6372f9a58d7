"""The legacy PitchResult is a conversion only: the analyzer decides whether a word is on time."""

from __future__ import annotations

from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync_gateway import convert


def test_time_match_copies_the_analyzers_on_time() -> None:
    result = pb.AnalysisResult(
        verdict=pb.VERDICT_SCORED, scores=pb.Scores(overall=80, intonation=60, completeness=0.75)
    )
    # deliberately contradicting the old 0.25 s rule: the gateway must not re-decide
    result.words.add(word="may", index=0, status=pb.WORD_STATUS_OK, score=90, onset_delta_seconds=0.4, on_time=True)
    result.words.add(word="the", index=1, status=pb.WORD_STATUS_OK, score=90, onset_delta_seconds=0.0, on_time=False)
    legacy = convert.legacy_pitch_result(result)
    assert [w["time_match"] for w in legacy["word_analysis"]] == [True, False]
    assert legacy["summary"]["time_matched_words"] == 1
    assert convert.scores(result.scores)["completeness"] == 0.75
    assert convert.scores(pb.Scores(overall=50))["completeness"] is None  # not recorded (older results)
