"""Timing: how closely the take follows the actor's word timing (what lip-sync needs).

Both alignments (the actor's restricted to the words the take spoke) are shifted so that speech
starts at 0 (speech start and end are where the energy
detector heard the voice, see `Alignment`); for each word
    onset_delta = (take_start - take_speech_start) - (actor_start - actor_speech_start)
and likewise for the offset. pace_ratio = take speech duration / actor speech duration (> 1: slower).

    timing = 100 · exp(-mean_abs_onset_delta / 0.5)^0.5 · exp(-abs(ln pace_ratio) / 0.25)^0.5
"""

from __future__ import annotations

import math

from yousync_analyzer.domain import Alignment, Timing


def deltas(ref: Alignment, take: Alignment) -> dict[int, tuple[float, float]]:
    """Per word of the line spoken in both (by its index in the line): (onset delta, offset delta)."""
    out: dict[int, tuple[float, float]] = {}
    r0, t0 = ref.speech_start, take.speech_start
    ref_words = {w.index: w for w in ref.words}
    for tw in take.words:
        rw = ref_words.get(tw.index)
        if rw is not None:
            out[tw.index] = ((tw.start - t0) - (rw.start - r0), (tw.end - t0) - (rw.end - r0))
    return out


def score(ref: Alignment, take: Alignment) -> tuple[float, Timing, dict[int, tuple[float, float]]]:
    d = deltas(ref, take)
    ref_span = max(ref.speech_end - ref.speech_start, 1e-3)
    take_span = max(take.speech_end - take.speech_start, 1e-3)
    pace = take_span / ref_span
    mean_abs = sum(abs(on) for on, _ in d.values()) / len(d) if d else 0.0
    value = 100.0 * math.exp(-mean_abs / 0.5) ** 0.5 * math.exp(-abs(math.log(pace)) / 0.25) ** 0.5
    return value, Timing(pace_ratio=pace, mean_abs_onset_delta=mean_abs), d
