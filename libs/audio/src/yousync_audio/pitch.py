"""The one pitch tracker of YouSync: the catalog's reference curves (at import) and the analyzer's
curves (actor and take) come from this function with these parameters, so the curve a client draws
for the actor is the curve the take was compared with.

Praat's autocorrelation method (`Sound.to_pitch_ac`) every 10 ms between 60 and 500 Hz: the range
covers low male voices (~65 Hz) up to raised female and child voices, and the 60 Hz floor keeps the
analysis window at 3 periods = 50 ms (a lower floor lengthens it and smears fast intonation).
About 20 ms of CPU per 5 s of audio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import parselmouth

TIME_STEP = 0.01
PITCH_FLOOR = 60.0
PITCH_CEILING = 500.0
MIN_SECONDS = 0.1


@dataclass(frozen=True)
class Pitch:
    """f0 in Hz every `step` seconds from `t0` (frame centres); 0.0 where unvoiced."""

    t0: float
    step: float
    hz: np.ndarray

    def times(self) -> np.ndarray:
        return self.t0 + self.step * np.arange(len(self.hz))


def track(samples: np.ndarray, rate: int) -> Pitch:
    """Pitch of mono samples at `rate` Hz (any float dtype)."""
    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64), sampling_frequency=rate)
    if sound.duration < MIN_SECONDS:
        return Pitch(t0=0.0, step=TIME_STEP, hz=np.zeros(0))
    pitch = sound.to_pitch_ac(time_step=TIME_STEP, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    hz = np.nan_to_num(np.asarray(pitch.selected_array["frequency"], dtype=np.float64))
    return Pitch(t0=float(pitch.xs()[0]) if len(hz) else 0.0, step=TIME_STEP, hz=hz)
