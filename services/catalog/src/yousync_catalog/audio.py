"""Reference audio analysis at import: decode with PyAV, pitch contour with the shared tracker
(`yousync_audio.pitch`, the one the analyzer compares takes with)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import av
import numpy as np
from yousync_audio import pitch as shared_pitch

from yousync_catalog.domain import PitchPoint

ANALYSIS_RATE = 16_000
MAX_PITCH_POINTS = 200
CONTENT_TYPES = {
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


class AudioDecodeError(ValueError):
    pass


@dataclass(frozen=True)
class AudioAnalysis:
    duration_seconds: float
    pitch: tuple[PitchPoint, ...]


def decode_mono(data: bytes, rate: int = ANALYSIS_RATE) -> np.ndarray:
    """The first audio stream as mono float32 samples at `rate` Hz."""
    chunks: list[np.ndarray] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioDecodeError("no audio stream")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in container.decode(container.streams.audio[0]):
                chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    except AudioDecodeError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise AudioDecodeError(str(exc)) from None
    if not chunks:
        raise AudioDecodeError("no audio samples")
    return np.concatenate(chunks).astype(np.float32)


def pitch_contour(
    samples: np.ndarray, rate: int = ANALYSIS_RATE, max_points: int = MAX_PITCH_POINTS
) -> tuple[PitchPoint, ...]:
    """The shared pitch tracker's curve (10 ms frames, 60-500 Hz), thinned to ≤ `max_points`; None where unvoiced."""
    pitch = shared_pitch.track(samples, rate)
    times = pitch.times()
    frequencies = pitch.hz
    step = max(1, math.ceil(len(times) / max_points))
    points: list[PitchPoint] = []
    for start in range(0, len(times), step):
        window = frequencies[start : start + step]
        voiced = window[window > 0]
        time = float(np.mean(times[start : start + step]))
        points.append(PitchPoint(round(time, 3), round(float(np.median(voiced)), 1) if voiced.size else None))
    return tuple(points)


def analyse(data: bytes) -> AudioAnalysis:
    samples = decode_mono(data)
    return AudioAnalysis(duration_seconds=round(len(samples) / ANALYSIS_RATE, 3), pitch=pitch_contour(samples))
