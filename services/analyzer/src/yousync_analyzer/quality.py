"""The quality gate: takes that cannot be scored fairly get a typed "re-record" verdict, not a low score.

Measured on the decoded 16 kHz signal, with numpy only (no VAD model: see SCORING.md):
- level of 25 ms frames every 10 ms (dBFS); the noise floor is the 10th percentile, the speech level
  the 95th; their difference estimates the SNR;
- voiced fraction from the pitch tracker (white noise and hiss are unvoiced);
- clipping: share of samples at full scale.

Order of the checks: too short → no speech (nothing above -45 dBFS) → clipping → noise only (energy
but almost no voicing) → too noisy (SNR below the threshold) → too short (too little speech).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yousync_analyzer.domain import FRAME_SECONDS, PitchTrack, QualityReport, RerecordReason


@dataclass(frozen=True)
class QualityThresholds:
    min_duration: float = 0.5
    min_speech_seconds: float = 0.3
    silence_dbfs: float = -45.0
    max_clipped_fraction: float = 0.01
    min_voiced_fraction: float = 0.04
    min_snr_db: float = 15.0


def speech_frames(energy_db: np.ndarray, thresholds: QualityThresholds | None = None) -> np.ndarray:
    """Which 10 ms frames carry speech: 6 dB over the noise floor and above the silence level."""
    t = thresholds or QualityThresholds()
    if not len(energy_db):
        return np.zeros(0, bool)
    floor = float(np.percentile(energy_db, 10))
    return np.asarray(energy_db > max(floor + 6.0, t.silence_dbfs))


def assess(
    x: np.ndarray, energy_db: np.ndarray, pitch: PitchTrack, thresholds: QualityThresholds | None = None
) -> tuple[QualityReport, RerecordReason | None]:
    t = thresholds or QualityThresholds()
    duration = len(x) / 16_000
    floor = float(np.percentile(energy_db, 10)) if len(energy_db) else -120.0
    peak = float(np.percentile(energy_db, 95)) if len(energy_db) else -120.0
    snr = max(0.0, peak - max(floor, -90.0))
    speech = speech_frames(energy_db, t)
    hz = np.asarray(pitch.hz)
    voiced_fraction = float(np.mean(hz > 0)) if len(hz) else 0.0
    clipped = float(np.mean(np.abs(x) >= 0.99)) if len(x) else 0.0
    idx = np.flatnonzero(speech)
    start = float(idx[0] * FRAME_SECONDS) if len(idx) else 0.0
    end = float(idx[-1] * FRAME_SECONDS + 0.025) if len(idx) else 0.0
    report = QualityReport(
        duration=duration,
        speech_fraction=float(np.mean(speech)) if len(speech) else 0.0,
        snr_db=snr,
        clipped_fraction=clipped,
        voiced_fraction=voiced_fraction,
        speech_start=start,
        speech_end=min(end, duration),
    )
    if duration < t.min_duration:
        return report, RerecordReason.TOO_SHORT
    if peak < t.silence_dbfs:
        return report, RerecordReason.NO_SPEECH
    if clipped > t.max_clipped_fraction:
        return report, RerecordReason.CLIPPING
    if voiced_fraction < t.min_voiced_fraction:
        return report, RerecordReason.NOISE_ONLY
    if snr < t.min_snr_db:
        return report, RerecordReason.TOO_NOISY
    if float(np.sum(speech)) * FRAME_SECONDS < t.min_speech_seconds:
        return report, RerecordReason.TOO_SHORT
    return report, None
