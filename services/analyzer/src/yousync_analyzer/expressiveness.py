"""Expressiveness, the emotion axis, measured as similarity to the actor's delivery.

No offline model recognises emotion categories, so this scorer says what it measures: how close the
take's prosody is to the actor's on six features (each speaker measured over its own speech span, the
actor's restricted to the words the take spoke; pitch in semitones relative to each speaker's median,
so register does not count):

| feature | measure | similarity | weight |
| --- | --- | --- | --- |
| pitch range | 5th-95th percentile of f0, semitones | exp(-abs(ln(take/actor)) / 0.5) | 0.35 |
| pitch movement | mean abs change of f0 per 100 ms (70 ms median-smoothed), semitones | same | 0.25 |
| energy range | 10th-95th percentile of frame level, dB | exp(-abs(ln(take/actor)) / 0.5) | 0.15 |
| speaking rate | words per second of speech | exp(-abs(ln(take/actor)) / 0.5) | 0.10 |
| pauses | seconds of silence between words | exp(-abs(take - actor) / 0.4) | 0.075 |
| duration | seconds from first to last word | exp(-abs(ln(take/actor)) / 0.5) | 0.075 |

expressiveness = 100 · Σ weight · similarity. Pitch weighs 0.60 so that a monotone reading (range and
movement near 0) scores clearly below a natural one, whatever its pace; an imitation of the actor
scores highest. A model server with a real emotion model can replace this scorer behind the same
`Scorer` interface (see scoring.py).
"""

from __future__ import annotations

import math

import numpy as np

from yousync_analyzer.domain import FRAME_SECONDS, Alignment, PitchTrack, ProsodyFeatures
from yousync_analyzer.intonation import pitch_range
from yousync_analyzer.signal import pitch_times, semitones

MEASURES = (
    "similarity to the actor's delivery: pitch range and movement, energy range, speaking rate, pauses and duration "
    "(not an emotion classifier)"
)
WEIGHTS = {
    "pitch_range": 0.35,
    "pitch_movement": 0.25,
    "energy_range": 0.15,
    "rate": 0.10,
    "pauses": 0.075,
    "duration": 0.075,
}
MIN_PAUSE = 0.1


def features(alignment: Alignment, pitch: PitchTrack, energy_db: np.ndarray) -> ProsodyFeatures:
    lo, hi = alignment.speech_start, alignment.speech_end
    t = pitch_times(pitch)
    span = PitchTrack(
        t0=pitch.t0,
        step=pitch.step,
        hz=tuple(h if lo <= ti <= hi else 0.0 for h, ti in zip(pitch.hz, t, strict=True)),
    )
    e = energy_db[int(lo / FRAME_SECONDS) : int(hi / FRAME_SECONDS) + 1]
    energy_range = float(np.percentile(e, 95) - np.percentile(e, 10)) if len(e) > 5 else 0.0
    duration = max(hi - lo, 1e-3)
    pauses = sum(end - start for start, end in alignment.pauses if end - start >= MIN_PAUSE)
    return ProsodyFeatures(
        pitch_range_semitones=pitch_range(span),
        pitch_movement_semitones=pitch_movement(span),
        energy_range_db=energy_range,
        speaking_rate_wps=len(alignment.words) / duration,
        pause_seconds=float(pauses),
        duration_seconds=float(duration),
    )


def pitch_movement(track: PitchTrack, hop: int = 10) -> float:
    """Mean absolute change of the semitone curve over `hop` frames (100 ms) inside voiced stretches,
    on the curve median-smoothed over 70 ms (tracking jitter is not movement)."""
    st = semitones(track)
    if len(st) <= hop + 7:
        return 0.0
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(st, 3, constant_values=np.nan), 7)
    with np.errstate(all="ignore"):
        voiced = np.sum(~np.isnan(windows), axis=1) >= 4
        smooth = np.where(voiced & ~np.isnan(st), np.nanmedian(np.where(voiced[:, None], windows, 0.0), axis=1), np.nan)
    d = np.abs(smooth[hop:] - smooth[:-hop])
    d = d[~np.isnan(d)]
    return float(np.mean(d)) if len(d) >= 5 else 0.0


def _ratio_similarity(take: float, ref: float, tol: float = 0.5) -> float:
    if ref <= 1e-6 or take <= 1e-6:
        return 0.0 if max(ref, take) > 1e-6 else 1.0
    return math.exp(-abs(math.log(take / ref)) / tol)


def similarities(ref: ProsodyFeatures, take: ProsodyFeatures) -> dict[str, float]:
    return {
        "pitch_range": _ratio_similarity(take.pitch_range_semitones, ref.pitch_range_semitones),
        "pitch_movement": _ratio_similarity(take.pitch_movement_semitones, ref.pitch_movement_semitones),
        "energy_range": _ratio_similarity(take.energy_range_db, ref.energy_range_db),
        "rate": _ratio_similarity(take.speaking_rate_wps, ref.speaking_rate_wps),
        "pauses": math.exp(-abs(take.pause_seconds - ref.pause_seconds) / 0.4),
        "duration": _ratio_similarity(take.duration_seconds, ref.duration_seconds),
    }


def score(ref: ProsodyFeatures, take: ProsodyFeatures) -> float:
    sims = similarities(ref, take)
    return 100.0 * sum(WEIGHTS[k] * v for k, v in sims.items())
