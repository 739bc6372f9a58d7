"""Separations on the synthetic fixture takes (each scored once per session, over gRPC)."""

from __future__ import annotations

import statistics

from tests.analyzer.helpers import LINES
from yousync.analyzer.v1 import analyzer_pb2 as pb
from yousync.common.v1 import common_pb2

Results = dict[tuple[str, str], pb.AnalysisResult]
SCORED = pb.VERDICT_SCORED
RERECORD = pb.VERDICT_RERECORD


def pron(r: pb.AnalysisResult) -> float:
    """Pronunciation, counting a re-record verdict as 0."""
    return r.scores.pronunciation if r.verdict == SCORED else 0.0


def test_good_takes_score_well(scored: Results) -> None:
    for line in LINES:
        r = scored[(line, "good.wav")]
        assert r.verdict == SCORED
        assert r.scores.pronunciation >= 70, (line, r.scores)
        assert r.scores.intonation >= 70, (line, r.scores)
        assert r.scores.overall >= 70, (line, r.scores)
        assert r.model_version


def test_good_beats_dropped_beats_wrong(scored: Results) -> None:
    for line in LINES:
        good, dropped, wrong = (pron(scored[(line, k)]) for k in ("good.wav", "dropped.opus.ogg", "wrong.opus.ogg"))
        assert good > dropped + 15, (line, good, dropped)
        assert good > wrong + 15, (line, good, wrong)
    mean = {
        k: statistics.mean(pron(scored[(line, k)]) for line in LINES) for k in ("dropped.opus.ogg", "wrong.opus.ogg")
    }
    assert mean["dropped.opus.ogg"] > mean["wrong.opus.ogg"], mean


def test_a_wrong_sentence_is_a_rerecord(scored: Results) -> None:
    for line in LINES:
        r = scored[(line, "wrong.opus.ogg")]
        assert r.verdict == RERECORD, (line, r.scores)
        assert r.rerecord_reason == pb.RERECORD_REASON_WRONG_OR_INCOMPLETE_LINE
        assert r.feedback


def test_dropped_words_are_flagged(scored: Results) -> None:
    checked = 0
    for line_id, line in LINES.items():
        r = scored[(line_id, "dropped.opus.ogg")]
        if not r.words:
            # no alignment at all: the whole take is "wrong or incomplete", which is also right
            assert r.rerecord_reason == pb.RERECORD_REASON_WRONG_OR_INCOMPLETE_LINE
            continue
        checked += 1
        flagged = {w.index for w in r.words if w.status != pb.WORD_STATUS_OK}
        assert set(line["dropped_indexes"]) <= flagged, (line_id, [(w.word, w.status) for w in r.words])
        good_flags = sum(w.status != pb.WORD_STATUS_OK for w in scored[(line_id, "good.wav")].words)
        assert len(flagged) > good_flags
    assert checked >= len(LINES) - 1


def test_monotone_scores_low_on_intonation(scored: Results) -> None:
    for line in LINES:
        mono, good = scored[(line, "monotone.opus.ogg")], scored[(line, "good.wav")]
        assert mono.verdict == SCORED
        assert mono.scores.intonation < 20, (line, mono.scores)
        assert good.scores.intonation > mono.scores.intonation + 50
        assert mono.expressiveness.take.pitch_range_semitones < 1.0
        assert mono.scores.expressiveness < good.scores.expressiveness


def test_slow_take_is_slower_and_loses_on_timing(scored: Results) -> None:
    for line in LINES:
        slow, good = scored[(line, "slow.opus.ogg")], scored[(line, "good.wav")]
        assert slow.timing.pace_ratio > good.timing.pace_ratio + 0.3
        assert slow.scores.timing < good.scores.timing
        assert any("slower" in f for f in slow.feedback)


def test_noisy_takes_ask_for_a_rerecord(scored: Results) -> None:
    for line in LINES:
        r = scored[(line, "noisy.opus.ogg")]
        assert r.verdict == RERECORD
        assert r.rerecord_reason == pb.RERECORD_REASON_TOO_NOISY
        assert r.scores.overall == 0


def test_every_format_is_within_a_few_points_of_the_wav(scored: Results) -> None:
    expected = {
        "good.webm": common_pb2.AUDIO_FORMAT_WEBM,
        "good.ogg": common_pb2.AUDIO_FORMAT_OGG,
        "good.mp3": common_pb2.AUDIO_FORMAT_MP3,
        "good.m4a": common_pb2.AUDIO_FORMAT_MP4,
        "good.flac": common_pb2.AUDIO_FORMAT_FLAC,
    }
    assert all(scored[(line, "good.wav")].detected_format == common_pb2.AUDIO_FORMAT_WAV for line in LINES)
    for line in LINES:
        wav = scored[(line, "good.wav")].scores
        for kind, fmt in expected.items():
            r = scored[(line, kind)]
            assert r.detected_format == fmt
            assert r.verdict == SCORED
            assert abs(r.scores.overall - wav.overall) <= 6.0, (line, kind, r.scores.overall, wav.overall)
            assert abs(r.scores.intonation - wav.intonation) <= 8.0, (line, kind)


def test_result_carries_what_a_ui_draws(scored: Results) -> None:
    r = scored[("offer", "good.wav")]
    assert len(r.words) == len(LINES["offer"]["text"].split())
    for w in r.words:
        assert w.HasField("start_seconds") and w.HasField("end_seconds")
        assert w.reference_end_seconds > w.reference_start_seconds
        assert w.HasField("onset_delta_seconds")
    assert len(r.pitch.reference) > 10 and len(r.pitch.take) == len(r.pitch.reference)
    assert len(r.pitch.take_hz) > 10
    assert r.pitch.warped_by == "words"
    assert r.pitch.max_divergence_word in [w.word for w in r.words], "where it diverged most is a word of the line"
    assert 0 <= r.pitch.max_divergence_seconds <= r.pitch.reference[-1].time_seconds
    assert r.expressiveness.measures and r.expressiveness.reference.speaking_rate_wps > 0
    assert r.quality.snr_db > 30 and 0 < r.quality.speech_fraction <= 1
    assert r.feedback and all(isinstance(f, str) and f for f in r.feedback)
    ts = [p.time_seconds for p in r.pitch.reference]
    assert ts == sorted(ts)


def test_every_scored_word_says_whether_it_is_on_time(scored: Results) -> None:
    """The original frontend's rule lives in the analyzer: |onset delta| <= 0.25 s."""
    seen = set()
    for r in scored.values():
        if r.verdict != SCORED:
            continue
        for w in r.words:
            if w.HasField("onset_delta_seconds"):
                assert w.on_time == (abs(w.onset_delta_seconds) <= 0.25), (w.word, w.onset_delta_seconds)
                seen.add(w.on_time)
            else:
                assert not w.on_time
    assert seen == {True, False}


def test_the_actor_against_itself_has_no_miscue(scored: Results) -> None:
    for line in LINES:
        r = scored[(line, "reference.opus.ogg")]
        assert r.verdict == SCORED
        assert not r.miscues, (line, r.miscues)
        assert r.scores.completeness == 1.0
        assert all(w.status == pb.WORD_STATUS_OK for w in r.words)
        assert r.scores.intonation > 95 and r.scores.expressiveness > 95


def test_completeness_counts_the_words_spoken_and_caps_overall(scored: Results) -> None:
    for line_id, line in LINES.items():
        good, dropped = scored[(line_id, "good.wav")], scored[(line_id, "dropped.opus.ogg")]
        assert good.scores.completeness >= 5 / 6, (line_id, good.scores)
        if dropped.verdict == SCORED:
            assert dropped.scores.completeness < good.scores.completeness
            assert dropped.scores.overall < good.scores.overall
            assert dropped.scores.overall <= 100 * dropped.scores.completeness
            omitted = {w.index for w in dropped.words if w.status == pb.WORD_STATUS_OMITTED}
            assert omitted & set(line["dropped_indexes"]), (line_id, omitted)
            for m in dropped.miscues:
                assert 0 < m.confidence <= 1


def test_monotone_is_clearly_less_expressive(scored: Results) -> None:
    for line in LINES:
        mono, good = scored[(line, "monotone.opus.ogg")], scored[(line, "good.wav")]
        assert mono.scores.expressiveness < good.scores.expressiveness - 10, (line, mono.scores, good.scores)
        assert (
            mono.expressiveness.take.pitch_movement_semitones < 0.5 * good.expressiveness.take.pitch_movement_semitones
        )
