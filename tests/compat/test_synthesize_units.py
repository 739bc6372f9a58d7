"""The dub mixer's pure parts: placement, background attenuation, peak limiting, length, WAV round trip."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from yousync_analysis_orchestrator import dub_audio
from yousync_analysis_orchestrator.dub_audio import RATE, UndecodableAudio, decode, mix, wav


def tone(hz: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_voices_land_at_their_times_over_the_attenuated_background() -> None:
    bed = np.full(int(3 * RATE), 0.5, np.float32)
    voice = np.full(int(0.5 * RATE), 0.25, np.float32)
    out = mix(bed, [(1.0, voice)], min_seconds=0, max_seconds=60)
    assert len(out) == len(bed)
    assert out[int(0.5 * RATE)] == pytest.approx(dub_audio.BACKGROUND_GAIN * 0.5)
    assert out[int(1.2 * RATE)] == pytest.approx(dub_audio.BACKGROUND_GAIN * 0.5 + 0.25)
    assert out[int(1.6 * RATE)] == pytest.approx(dub_audio.BACKGROUND_GAIN * 0.5)


def test_length_peak_and_caps() -> None:
    loud = np.ones(RATE, np.float32)
    out = mix(None, [(0.0, loud), (0.5, loud)], min_seconds=2.0, max_seconds=60)
    assert len(out) == 2 * RATE, "at least min_seconds"
    assert float(np.max(np.abs(out))) == pytest.approx(dub_audio.PEAK), "overlaps are limited, not clipped"
    long = mix(None, [(0.0, loud), (10.0, loud)], min_seconds=0, max_seconds=3.0)
    assert len(long) == 3 * RATE, "never longer than max_seconds"
    assert np.all(mix(None, [], min_seconds=1.0, max_seconds=5) == 0)


def test_wav_round_trip_through_pyav() -> None:
    samples = tone(440.0, 1.0)
    data = wav(samples)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
    decoded = decode(data, 10.0)
    assert abs(len(decoded) - len(samples)) < RATE * 0.01
    assert float(np.corrcoef(decoded[: len(samples) - 100], samples[: len(samples) - 100])[0, 1]) > 0.99
    assert len(decode(data, 0.25)) == int(0.25 * RATE), "decoding stops at the cap"


@pytest.mark.parametrize("data", [b"", b"not audio at all", b"RIFF\x00\x00\x00\x00WAVEgarbage"])
def test_undecodable_input(data: bytes) -> None:
    with pytest.raises(UndecodableAudio):
        decode(data, 5.0)
