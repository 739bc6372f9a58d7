"""Expressiveness, the emotion axis, measured as similarity to the actor's delivery.

No offline model recognises emotion categories, so this scorer says what it measures: how close the
take's prosody is to the actor's on five features (each speaker measured over its own speech span):

| feature | measure | similarity | weight |
| --- | --- | --- | --- |
| pitch range | 5th-95th percentile of f0, semitones | exp(-abs(ln(take/actor)) / 0.5) | 0.35 |
| energy range | 10th-95th percentile of frame level, dB | exp(-abs(ln(take/actor)) / 0.5) | 0.25 |
| speaking rate | words per second of speech | exp(-abs(ln(take/actor)) / 0.5) | 0.20 |
| pauses | seconds of silence between words | exp(-abs(take - actor) / 0.4) | 0.10 |
| duration | seconds from first to last word | exp(-abs(ln(take/actor)) / 0.5) | 0.10 |

expressiveness = 100 · Σ weight · similarity. A model server with a real emotion model can replace
this scorer behind the same `Scorer` interface (see scoring.py).
"""

from __future__ import annotations

import math

import numpy as np

from yousync_analyzer.domain import FRAME_SECONDS, Alignment, PitchTrack, ProsodyFeatures
from yousync_analyzer.intonation import pitch_range
from yousync_analyzer.signal import pitch_times

MEASURES = (
    "similarity to the actor's delivery: pitch range, energy range, speaking rate, pauses and duration "
    "(not an emotion classifier)"
)
WEIGHTS = {"pitch_range": 0.35, "energy_range": 0.25, "rate": 0.20, "pauses": 0.10, "duration": 0.10}
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
        energy_range_db=energy_range,
        speaking_rate_wps=len(alignment.words) / duration,
        pause_seconds=float(pauses),
        duration_seconds=float(duration),
    )


def _ratio_similarity(take: float, ref: float, tol: float = 0.5) -> float:
    if ref <= 1e-6 or take <= 1e-6:
        return 0.0 if max(ref, take) > 1e-6 else 1.0
    return math.exp(-abs(math.log(take / ref)) / tol)


def similarities(ref: ProsodyFeatures, take: ProsodyFeatures) -> dict[str, float]:
    return {
        "pitch_range": _ratio_similarity(take.pitch_range_semitones, ref.pitch_range_semitones),
        "energy_range": _ratio_similarity(take.energy_range_db, ref.energy_range_db),
        "rate": _ratio_similarity(take.speaking_rate_wps, ref.speaking_rate_wps),
        "pauses": math.exp(-abs(take.pause_seconds - ref.pause_seconds) / 0.4),
        "duration": _ratio_similarity(take.duration_seconds, ref.duration_seconds),
    }


def score(ref: ProsodyFeatures, take: ProsodyFeatures) -> float:
    sims = similarities(ref, take)
    return 100.0 * sum(WEIGHTS[k] * v for k, v in sims.items())
