"""Durations from container headers (no decoding): exact where the header says, None where it doesn't."""

from __future__ import annotations

import pytest

from tests.analyzer.helpers import FIXTURES
from tests.orchestrator.unit.audio import ogg_claiming, wav
from yousync.common.v1 import common_pb2
from yousync_analysis_orchestrator import probe
from yousync_platform.audio_format import sniff


def measured(data: bytes) -> float | None:
    return probe.duration(sniff(data), data[: probe.HEAD_BYTES], data[-probe.TAIL_BYTES :], len(data))


@pytest.mark.parametrize("name", ["good.wav", "good.flac", "slow.opus.ogg", "noisy.opus.ogg", "good.m4a"])
def test_fixture_durations_match_the_decoded_length(name: str) -> None:
    import av

    data = (FIXTURES / "force" / name).read_bytes()
    with av.open(str(FIXTURES / "force" / name)) as container:
        decoded = sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))
    seconds = measured(data)
    assert seconds is not None and abs(seconds - decoded) < 0.1, (name, seconds, decoded)


def test_long_recordings_are_seen_as_long() -> None:
    assert measured(wav(120)) == pytest.approx(120, abs=0.01)
    assert measured(ogg_claiming(3600)) == pytest.approx(3600, abs=0.01)


def test_containers_that_do_not_say_give_none() -> None:
    webm = (FIXTURES / "force" / "good.webm").read_bytes()
    assert measured(webm) is None
    assert probe.duration(common_pb2.AUDIO_FORMAT_OGG, b"OggS" + bytes(100), b"", 104) is None
    assert probe.duration(common_pb2.AUDIO_FORMAT_WAV, b"RIFF\0\0\0\0WAVE", b"", 12) is None
