"""Frame-level measurements shared by the quality gate and the prosody scorers (10 ms hop)."""

from __future__ import annotations

import numpy as np
from yousync_audio import pitch as shared_pitch

from yousync_analyzer.domain import FRAME_SECONDS, SAMPLE_RATE, PitchTrack

HOP = int(FRAME_SECONDS * SAMPLE_RATE)
WINDOW = 400  # 25 ms


def frame_energy_db(x: np.ndarray) -> np.ndarray:
    """RMS level in dBFS of 25 ms windows every 10 ms (frame i is centred near i * 10 ms)."""
    if len(x) < WINDOW:
        x = np.pad(x, (0, WINDOW - len(x)))
    n = 1 + (len(x) - WINDOW) // HOP
    idx = np.arange(WINDOW)[None, :] + HOP * np.arange(n)[:, None]
    frames = x[idx].astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
    return np.asarray(20 * np.log10(rms), dtype=np.float64)


def pitch_track(x: np.ndarray) -> PitchTrack:
    """f0 by the shared tracker (`yousync_audio.pitch`: the catalog draws the same curve); 0 where unvoiced."""
    p = shared_pitch.track(x, SAMPLE_RATE)
    assert p.step == FRAME_SECONDS
    return PitchTrack(t0=p.t0, step=p.step, hz=tuple(p.hz.tolist()))


def pitch_times(track: PitchTrack) -> np.ndarray:
    return track.t0 + track.step * np.arange(len(track.hz))


def semitones(track: PitchTrack) -> np.ndarray:
    """Semitones relative to the speaker's own median voiced f0; NaN where unvoiced.

    Relative pitch makes register irrelevant: a woman dubbing a man's line is not penalised.
    """
    hz = np.asarray(track.hz, dtype=np.float64)
    voiced = hz > 0
    out = np.full(len(hz), np.nan)
    if voiced.any():
        out[voiced] = 12.0 * np.log2(hz[voiced] / np.median(hz[voiced]))
    return out
