"""Domain units: sniffing, miscues, the cache, the DTW fallback, byte caps (no gRPC)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from tests.analyzer.helpers import fixture
from yousync_analyzer import domain as d
from yousync_analyzer.audio.decode import as_array, decode, sniff
from yousync_analyzer.content import read
from yousync_analyzer.pronunciation import normalize, spell_out
from yousync_analyzer.reference_cache import ReferenceCache
from yousync_analyzer.server import AnalyzerServer
from yousync_analyzer.service import Analyzer


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("force/good.wav", d.AudioFormat.WAV),
        ("force/good.webm", d.AudioFormat.WEBM),
        ("force/good.ogg", d.AudioFormat.OGG),
        ("force/good.mp3", d.AudioFormat.MP3),
        ("force/good.m4a", d.AudioFormat.MP4),
        ("force/good.flac", d.AudioFormat.FLAC),
    ],
)
def test_sniff_and_decode_every_format(name: str, fmt: d.AudioFormat) -> None:
    data = fixture(name)
    assert sniff(data) is fmt
    decoded = decode(data, 60)
    x = as_array(decoded)
    assert decoded.format is fmt
    assert 2.0 < decoded.duration < 2.6
    assert x.dtype == np.float32 and float(np.abs(x).max()) > 0.1


def test_decode_caps_duration() -> None:
    with pytest.raises(d.AnalysisFailed) as caught:
        decode(fixture("force/good.wav"), 1.0)
    assert caught.value.reason is d.FailureReason.TOO_LONG
    with pytest.raises(d.AnalysisFailed) as caught:
        decode(b"\x00\x01garbage", 60)
    assert caught.value.reason is d.FailureReason.UNSUPPORTED_FORMAT


def test_what_was_heard_is_read_by_edit_distance_not_position() -> None:
    expected = normalize("May the force be with you")
    phones = [(w.upper(),) for w in expected]
    heard = [
        d.HeardWord(w, i * 0.3, i * 0.3 + 0.25, (w.upper(),))
        for i, w in enumerate(normalize("uh may the force be you"))
    ]
    reading = read(expected, phones, heard)
    assert [s.kind for s in reading.slots] == ["match"] * 4 + ["omission", "match"]
    assert [h.word for h in reading.insertions] == ["uh"]
    assert [s.kind for s in read(expected, phones, []).slots] == ["omission"] * 6


def test_normalize_and_spell_out() -> None:
    assert normalize("I'm going — to “refuse”, OK?") == ["i'm", "going", "to", "refuse", "ok"]
    assert spell_out("zorgath") == "Z AA R G AE TH"


async def test_cache_is_bounded_lru_and_computes_once() -> None:
    cache = ReferenceCache(max_entries=2)
    calls = 0

    async def compute() -> d.ReferenceAnalysis:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return object()  # type: ignore[return-value]

    keys = [("a", "t", "en"), ("b", "t", "en"), ("c", "t", "en")]
    await asyncio.gather(cache.get_or_compute(keys[0], compute), cache.get_or_compute(keys[0], compute))
    assert calls == 1
    await cache.get_or_compute(keys[1], compute)
    cache.get(keys[0])  # a is now most recent
    await cache.get_or_compute(keys[2], compute)
    assert len(cache) == 2 and cache.get(keys[1]) is None and cache.get(keys[0]) is not None


async def _messages(*items: d.Message) -> AsyncIterator[d.Message]:
    for item in items:
        yield item


async def test_byte_cap_is_a_typed_failure(analyzer_server: AnalyzerServer) -> None:
    small = Analyzer(pool=analyzer_server.pool, cache=ReferenceCache(), limits=d.Limits(max_take_bytes=1000))
    start = d.Start("j", d.ReferenceSpec("k", "hello there"))
    events = [e async for e in small.analyze(_messages(start, d.TakeChunk(b"\0" * 800), d.TakeChunk(b"\0" * 800)))]
    assert isinstance(events[0], d.Accepted)
    assert isinstance(events[-1], d.Failure) and events[-1].reason is d.FailureReason.TOO_LARGE
    assert analyzer_server.pool.in_flight == 0


def test_dtw_fallback_warps_a_take_onto_the_reference() -> None:
    from yousync_analyzer import intonation, pipeline
    from yousync_analyzer.scoring import Scorers

    line = "Houston we have a problem"
    ref = pipeline.analyze_reference(fixture("houston/reference.opus.ogg"), d.ReferenceSpec("k", line), 60)
    state = pipeline.align_take(pipeline.check_quality(pipeline.decode_take(fixture("houston/good.wav"), line, 60)))
    assert state.alignment is not None and state.pitch is not None
    score_words, by_words = intonation.compare(
        ref.analysis.pitch,
        state.pitch,
        ref.analysis.alignment,
        state.alignment,
        np.asarray(ref.analysis.energy_db),
        np.asarray(state.energy_db),
    )
    score_dtw, by_dtw = intonation.compare(
        ref.analysis.pitch,
        state.pitch,
        ref.analysis.alignment,
        None,
        np.asarray(ref.analysis.energy_db),
        np.asarray(state.energy_db),
    )
    assert by_words.warped_by == "words" and by_dtw.warped_by == "dtw"
    assert score_words > 70 and score_dtw > 40
    assert Scorers().expressiveness.axis == "expressiveness"


def test_a_take_scores_the_same_whatever_the_worker_decoded_before() -> None:
    """Pool workers reuse their decoders: a result must not depend on the previous take."""
    from yousync_analyzer import pipeline
    from yousync_analyzer.scoring import Scorers

    lines = {"force": "May the force be with you", "frankly": "Frankly my dear I don't give a damn"}
    refs = {
        line_id: pipeline.analyze_reference(
            fixture(f"{line_id}/reference.opus.ogg"), d.ReferenceSpec(line_id, text), 60
        )
        for line_id, text in lines.items()
    }

    def score(line_id: str, kind: str) -> d.Scores | None:
        state = pipeline.check_quality(pipeline.decode_take(fixture(f"{line_id}/{kind}"), lines[line_id], 60))
        state = pipeline.recognise_take(pipeline.align_take(state))
        return pipeline.score_take(state, refs[line_id], Scorers()).scores

    first = score("force", "good.webm")
    # sequences that moved this take by up to 3.4 points before the decoders were reset per utterance
    for before in ("slow.opus.ogg", "dropped.opus.ogg", "good.wav"):
        score("frankly", before)
        assert score("force", "good.webm") == first, before
