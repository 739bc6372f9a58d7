"""Intonation: does the take's melody follow the actor's?

Both pitch curves are converted to semitones relative to each speaker's own median (register does
not count). The take is time-warped onto the actor's time axis with the two word alignments
(piecewise-linear between word boundaries); when word alignments are unusable the warp falls back to
DTW on log-energy/spectral features. Along the reference's voiced frames we compare:

- r: Pearson correlation of the two semitone curves (the shape of the melody);
- rms: RMS semitone difference (how far apart they are);
- range: ratio of the take's to the actor's pitch range (5th-95th percentile).

    intonation = 100 · max(r, 0)^0.7 · (1 - min(rms / 8, 1))^0.5 · range_match^0.5
    range_match = min(ratio, 1/ratio)

A monotone take has a range ratio near 0; a different melody has a low r.
"""

from __future__ import annotations

import numpy as np

from yousync_analyzer.domain import FRAME_SECONDS, Alignment, PitchComparison, PitchPoint, PitchTrack
from yousync_analyzer.signal import pitch_times, semitones

CURVE_STEP = 0.05  # downsampled curves: one point per 50 ms
MIN_PAIRS = 15


def pitch_range(track: PitchTrack) -> float:
    st = semitones(track)
    st = st[~np.isnan(st)]
    if len(st) < 5:
        return 0.0
    return float(np.percentile(st, 95) - np.percentile(st, 5))


def word_warp(ref: Alignment, take: Alignment) -> tuple[np.ndarray, np.ndarray] | None:
    """Anchor points (reference time, take time) from word boundaries; None if unusable."""
    ref_words = {w.index: w for w in ref.words}
    pairs = [(ref_words[tw.index], tw) for tw in take.words if tw.index in ref_words]
    if not pairs:
        return None
    ref_pts: list[float] = []
    take_pts: list[float] = []
    for rw, tw in pairs:
        for r, t in ((rw.start, tw.start), (rw.end, tw.end)):
            if (not ref_pts or (r > ref_pts[-1] and t > take_pts[-1])) and r >= 0 and t >= 0:
                ref_pts.append(r)
                take_pts.append(t)
    if len(ref_pts) < 2:
        return None
    return np.asarray(ref_pts), np.asarray(take_pts)


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain DTW over feature rows (Euclidean cost); returns matching index arrays."""
    n, m = len(a), len(b)
    cost = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        row = acc[i]
        prev = acc[i - 1]
        diag_up = np.minimum(prev[:-1], prev[1:]) + cost[i - 1]
        for j in range(1, m + 1):
            row[j] = min(diag_up[j - 1], row[j - 1] + cost[i - 1, j - 1])
    i, j = n, m
    path: list[tuple[int, int]] = []
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        step = int(np.argmin([acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1]]))
        if step == 0:
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    path.reverse()
    arr = np.asarray(path)
    return arr[:, 0], arr[:, 1]


def _features(energy_db: np.ndarray, st: np.ndarray) -> np.ndarray:
    e = (energy_db - np.mean(energy_db)) / (np.std(energy_db) + 1e-6)
    voiced = (~np.isnan(st)).astype(np.float64)
    de = np.gradient(e)
    return np.stack([e, de, voiced], axis=1)


def compare(
    ref_pitch: PitchTrack,
    take_pitch: PitchTrack,
    ref_align: Alignment,
    take_align: Alignment | None,
    ref_energy: np.ndarray,
    take_energy: np.ndarray,
) -> tuple[float, PitchComparison]:
    """The intonation score (0-100) and the curves for the UI."""
    ref_st = semitones(ref_pitch)
    take_st = semitones(take_pitch)
    ref_t = pitch_times(ref_pitch)
    take_t = pitch_times(take_pitch)
    span_lo = ref_align.speech_start if ref_align.words else (ref_t[0] if len(ref_t) else 0.0)
    span_hi = ref_align.speech_end if ref_align.words else (ref_t[-1] if len(ref_t) else 0.0)
    in_span = (ref_t >= span_lo) & (ref_t <= span_hi)

    warp = word_warp(ref_align, take_align) if take_align is not None else None
    warped_by = "words"
    if warp is not None:
        mapped = np.interp(ref_t, warp[0], warp[1])
    else:
        warped_by = "dtw"
        mapped = _dtw_mapping(ref_t, take_t, ref_st, take_st, ref_energy, take_energy)
    take_on_ref = _sample(take_t, take_st, mapped)

    both = in_span & ~np.isnan(ref_st) & ~np.isnan(take_on_ref)
    r = 0.0
    rms = 12.0
    if int(both.sum()) >= MIN_PAIRS:
        a, b = ref_st[both], take_on_ref[both]
        if np.std(a) > 1e-6 and np.std(b) > 1e-6:
            r = float(np.corrcoef(a, b)[0, 1])
        rms = float(np.sqrt(np.mean((a - b) ** 2)))
    ref_range = pitch_range(ref_pitch)
    take_range = pitch_range(take_pitch)
    ratio = take_range / ref_range if ref_range > 1e-6 else 0.0
    range_match = min(ratio, 1.0 / ratio) if ratio > 0 else 0.0
    score = 100.0 * max(r, 0.0) ** 0.7 * (1.0 - min(rms / 8.0, 1.0)) ** 0.5 * range_match**0.5

    word, at = _max_divergence(ref_t, ref_st, take_on_ref, both, ref_align)
    comparison = PitchComparison(
        reference=_downsample(ref_t, ref_st, in_span),
        take=_downsample(ref_t, take_on_ref, in_span),
        correlation=r,
        rms_semitones=rms,
        max_divergence_word=word,
        max_divergence_seconds=at,
        take_hz=_downsample(take_t, np.where(np.asarray(take_pitch.hz) > 0, take_pitch.hz, np.nan), None),
        warped_by=warped_by,
    )
    return float(np.clip(score, 0.0, 100.0)), comparison


def _sample(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Nearest-frame lookup of `values` (NaN = unvoiced) at times `at`."""
    if len(times) == 0:
        return np.full(len(at), np.nan)
    idx = np.clip(np.rint((at - times[0]) / FRAME_SECONDS).astype(int), 0, len(times) - 1)
    return np.asarray(values[idx], dtype=np.float64)


def _dtw_mapping(
    ref_t: np.ndarray,
    take_t: np.ndarray,
    ref_st: np.ndarray,
    take_st: np.ndarray,
    ref_energy: np.ndarray,
    take_energy: np.ndarray,
) -> np.ndarray:
    n = min(len(ref_t), len(ref_energy))
    m = min(len(take_t), len(take_energy))
    if n < 2 or m < 2:
        return np.asarray(ref_t, dtype=np.float64)
    ia, ib = dtw_path(_features(ref_energy[:n], ref_st[:n]), _features(take_energy[:m], take_st[:m]))
    # for each reference frame, the mean take frame matched to it
    sums = np.bincount(ia, weights=ib, minlength=n)
    counts = np.maximum(np.bincount(ia, minlength=n), 1)
    take_idx = sums / counts
    mapped = take_t[0] + take_idx * FRAME_SECONDS
    return np.concatenate([mapped, ref_t[n:] - ref_t[n - 1] + mapped[-1]]) if len(ref_t) > n else mapped


def _max_divergence(
    ref_t: np.ndarray, ref_st: np.ndarray, take_st: np.ndarray, both: np.ndarray, ref_align: Alignment
) -> tuple[str, float]:
    if not both.any():
        return "", 0.0
    diff = np.where(both, np.abs(ref_st - np.nan_to_num(take_st)), 0.0)
    # smooth over 50 ms so one octave error does not win
    kernel = np.ones(5) / 5
    smooth = np.convolve(diff, kernel, mode="same")
    best_word = ""
    best = -1.0
    for w in ref_align.words:
        sel = both & (ref_t >= w.start) & (ref_t <= w.end)
        if sel.sum() >= 3:
            value = float(diff[sel].mean())
            if value > best:
                best, best_word = value, w.word
    return best_word, float(ref_t[int(np.argmax(smooth))])


def _downsample(times: np.ndarray, values: np.ndarray, mask: np.ndarray | None) -> tuple[PitchPoint, ...]:
    """Every stride-th (selected) frame, the median of the values around it (NaN ignored; None when
    the window holds none). Vectorised: one sorted window per point."""
    if len(times) == 0:
        return ()
    stride = max(1, round(CURVE_STEP / FRAME_SECONDS))
    half = stride // 2
    sel = (np.flatnonzero(mask) if mask is not None else np.arange(len(times)))[::stride]
    if not len(sel):
        return ()
    padded = np.concatenate((np.full(half, np.nan), np.asarray(values, dtype=np.float64), np.full(half, np.nan)))
    windows = np.sort(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[sel], axis=1)  # NaN last
    count = np.sum(~np.isnan(windows), axis=1)
    rows = np.arange(len(sel))
    low = windows[rows, np.maximum(count - 1, 0) // 2]
    high = windows[rows, np.maximum(count, 1) // 2]
    medians = (low + high) / 2
    return tuple(
        PitchPoint(time=round(float(times[k]), 3), hz=round(float(v), 3) if n else None)
        for k, v, n in zip(sel, medians, count, strict=True)
    )
