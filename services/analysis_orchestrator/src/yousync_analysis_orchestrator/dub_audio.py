"""Audio for dubs: decode any accepted recording (PyAV), mix voices over a background, encode WAV.

Pure functions over numpy arrays, CPU-bound: callers run them in a worker thread. Everything is mono
float32 at `RATE`. Durations are capped while decoding, so a small file cannot expand to hours.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Sequence

import av
import numpy as np

from yousync.common.v1 import common_pb2
from yousync_platform import audio_format

RATE = 44_100
# Under the voices, the background is attenuated by this factor.
BACKGROUND_GAIN = 0.6
PEAK = 0.98
_DEMUXERS: dict[int, str] = {
    common_pb2.AUDIO_FORMAT_WAV: "wav",
    common_pb2.AUDIO_FORMAT_WEBM: "matroska",
    common_pb2.AUDIO_FORMAT_OGG: "ogg",
    common_pb2.AUDIO_FORMAT_MP3: "mp3",
    common_pb2.AUDIO_FORMAT_MP4: "mov",
    common_pb2.AUDIO_FORMAT_FLAC: "flac",
}


class UndecodableAudio(Exception):
    """Not audio we can read (unknown container, broken stream, no audio)."""


def decode(data: bytes, max_seconds: float) -> np.ndarray:
    """Mono float32 at RATE; at most `max_seconds` (the rest is dropped)."""
    fmt = audio_format.sniff(data[: audio_format.SNIFF_BYTES])
    if fmt not in _DEMUXERS:
        raise UndecodableAudio("not a recognised audio container")
    limit = int(max_seconds * RATE)
    parts: list[np.ndarray] = []
    total = 0
    try:
        with av.open(io.BytesIO(data), mode="r", format=_DEMUXERS[fmt]) as container:
            if not container.streams.audio:
                raise UndecodableAudio("no audio stream")
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            frames = container.decode(audio=0)
            for frame in frames:
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    parts.append(chunk)
                    total += len(chunk)
                if total >= limit:
                    break
            else:
                for out in resampler.resample(None):
                    parts.append(out.to_ndarray().reshape(-1))
    except UndecodableAudio:
        raise
    except (av.FFmpegError, ValueError, IndexError, KeyError) as exc:
        raise UndecodableAudio(str(exc)) from None
    samples = np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
    return samples[:limit]


def mix(
    background: np.ndarray | None, voices: Sequence[tuple[float, np.ndarray]], *, min_seconds: float, max_seconds: float
) -> np.ndarray:
    """Voices added at their start times (seconds) over the attenuated background; peak-limited.

    The result lasts as long as the longest of: `min_seconds`, the background, the last voice's end
    (capped at `max_seconds`).
    """
    ends = [int(max(0.0, start) * RATE) + len(v) for start, v in voices]
    length = max([int(min_seconds * RATE), len(background) if background is not None else 0, *ends])
    length = min(length, int(max_seconds * RATE))
    out = np.zeros(length, np.float32)
    if background is not None:
        n = min(len(background), length)
        out[:n] += BACKGROUND_GAIN * background[:n]
    for start, voice in voices:
        at = int(max(0.0, start) * RATE)
        if at >= length:
            continue
        n = min(len(voice), length - at)
        out[at : at + n] += voice[:n]
    peak = float(np.max(np.abs(out))) if length else 0.0
    if peak > PEAK:
        out *= PEAK / peak
    return out


def wav(samples: np.ndarray) -> bytes:
    """16-bit PCM mono WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()
