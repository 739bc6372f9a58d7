"""The analysis, split into stages that each run as one call in a pool worker.

Each stage takes and returns plain picklable data (`TakeState`), so the server can report progress
between stages and stop a cancelled stream's work at the next stage boundary. The pocketsphinx
decoders live in the worker process (`_worker_aligner`), built once per process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from yousync_analyzer import MODEL_VERSION, expressiveness
from yousync_analyzer.audio.decode import as_array, decode
from yousync_analyzer.domain import (
    AlignedWord,
    Alignment,
    AnalysisFailed,
    AnalysisResult,
    Decoded,
    FailureReason,
    PitchTrack,
    QualityReport,
    ReferenceAnalysis,
    ReferenceSpec,
    RerecordReason,
    Scores,
    SpeakerAnalysis,
    Verdict,
    WordResult,
    WordStatus,
)
from yousync_analyzer.pronunciation import Aligner, normalize, unaligned_speech_fraction
from yousync_analyzer.quality import QualityThresholds, assess, speech_frames
from yousync_analyzer.scoring import AxisScore, PronunciationDetail, Scorers, ScoringContext, overall
from yousync_analyzer.signal import frame_energy_db, pitch_track

SUPPORTED_LANGUAGES = ("en",)
# More than this share of the line's words omitted → "wrong or incomplete line" (re-record).
MAX_OMITTED_FRACTION = 0.5
# More than this share of the take's speech outside the line's aligned words → a different line.
MAX_UNALIGNED_SPEECH = 0.3

_worker_aligner: Aligner | None = None


def aligner() -> Aligner:
    """This process's decoders (one set per pool worker)."""
    global _worker_aligner
    if _worker_aligner is None:
        _worker_aligner = Aligner()
    return _worker_aligner


def check_language(language: str) -> None:
    if (language or "en").lower().split("-")[0] not in SUPPORTED_LANGUAGES:
        raise AnalysisFailed(FailureReason.UNSUPPORTED_LANGUAGE, f"language {language!r} is not supported")


def line_words(text: str) -> tuple[str, ...]:
    words = tuple(normalize(text))
    if not words:
        raise AnalysisFailed(FailureReason.INVALID_REFERENCE, "the reference line has no words")
    return words


@dataclass(frozen=True)
class TakeState:
    decoded: Decoded
    words: tuple[str, ...]
    quality: QualityReport | None = None
    rerecord: RerecordReason | None = None
    pitch: PitchTrack | None = None
    energy_db: tuple[float, ...] = ()
    alignment: Alignment | None = None
    recognised: tuple[str, ...] = ()
    intonation: AxisScore | None = None


# --- the actor's side ---------------------------------------------------------------------------


def analyze_reference(data: bytes, spec: ReferenceSpec, max_duration: float) -> ReferenceAnalysis:
    """Decode, align and measure the reference audio (done once per cache key)."""
    check_language(spec.language)
    words = line_words(spec.text)
    try:
        decoded = decode(data, max_duration)
    except AnalysisFailed as exc:
        raise AnalysisFailed(FailureReason.INVALID_REFERENCE, f"reference audio: {exc.message}") from None
    x = as_array(decoded)
    energy = frame_energy_db(x)
    pitch = pitch_track(x)
    quality, _ = assess(x, energy, pitch)
    alignment = aligner().align(x, list(words), (quality.speech_start, quality.speech_end))
    aligned_by = "aligner"
    if alignment is None and len(spec.words) == len(words):
        aligned_by = "client-timings"
        alignment = Alignment(
            words=tuple(
                AlignedWord(i, w, t.start, t.end, 0.0) for i, (w, t) in enumerate(zip(words, spec.words, strict=True))
            ),
            pauses=tuple((a.end, b.start) for a, b in zip(spec.words, spec.words[1:], strict=False) if b.start > a.end),
        )
    if alignment is None:
        raise AnalysisFailed(FailureReason.INVALID_REFERENCE, "the reference audio does not match the line's text")
    analysis = SpeakerAnalysis(
        alignment=alignment,
        pitch=pitch,
        energy_db=tuple(energy.tolist()),
        features=expressiveness.features(alignment, pitch, energy),
        duration=decoded.duration,
    )
    return ReferenceAnalysis(spec=spec, analysis=analysis, aligned_by=aligned_by)


# --- the take, stage by stage -------------------------------------------------------------------


def decode_take(data: bytes, text: str, max_duration: float) -> TakeState:
    return TakeState(decoded=decode(data, max_duration), words=line_words(text))


def check_quality(state: TakeState, thresholds: QualityThresholds | None = None) -> TakeState:
    x = as_array(state.decoded)
    energy = frame_energy_db(x)
    pitch = pitch_track(x)
    report, reason = assess(x, energy, pitch, thresholds)
    return dataclasses.replace(state, quality=report, rerecord=reason, pitch=pitch, energy_db=tuple(energy.tolist()))


def align_take(state: TakeState) -> TakeState:
    assert state.quality is not None
    x = as_array(state.decoded)
    alignment = aligner().align(x, list(state.words), (state.quality.speech_start, state.quality.speech_end))
    if alignment is None:
        return dataclasses.replace(state, rerecord=RerecordReason.WRONG_OR_INCOMPLETE_LINE)
    return dataclasses.replace(state, alignment=alignment)


def recognise_take(state: TakeState) -> TakeState:
    assert state.quality is not None
    x = as_array(state.decoded)
    lo = max(0, int((state.quality.speech_start - 0.2) * 16_000))
    hi = int((state.quality.speech_end + 0.2) * 16_000)
    heard = aligner().recognise(x[lo:hi], list(state.words))
    return dataclasses.replace(state, recognised=tuple(heard))


def _take_analysis(state: TakeState) -> SpeakerAnalysis:
    assert state.alignment is not None and state.pitch is not None
    energy = np.asarray(state.energy_db)
    return SpeakerAnalysis(
        alignment=state.alignment,
        pitch=state.pitch,
        energy_db=state.energy_db,
        features=expressiveness.features(state.alignment, state.pitch, energy),
        duration=state.decoded.duration,
    )


def _context(state: TakeState, ref: ReferenceAnalysis) -> ScoringContext:
    return ScoringContext(
        words=state.words, reference=ref.analysis, take=_take_analysis(state), recognised=state.recognised
    )


def score_pitch(state: TakeState, ref: ReferenceAnalysis, scorers: Scorers) -> TakeState:
    return dataclasses.replace(state, intonation=scorers.intonation.score(_context(state, ref)))


def rerecord(state: TakeState, reason: RerecordReason) -> AnalysisResult:
    assert state.quality is not None
    messages = {
        RerecordReason.NO_SPEECH: "We could not hear any speech. Check your microphone and record again.",
        RerecordReason.NOISE_ONLY: "We heard only noise, no voice. Record again somewhere quieter.",
        RerecordReason.CLIPPING: "Your recording is distorted (too loud). Move back from the microphone.",
        RerecordReason.TOO_SHORT: "The recording is too short. Say the whole line.",
        RerecordReason.TOO_NOISY: "There is too much background noise to score you fairly. Record again.",
        RerecordReason.WRONG_OR_INCOMPLETE_LINE: "That did not sound like the line. Say the whole line.",
    }
    return AnalysisResult(
        model_version=MODEL_VERSION,
        verdict=Verdict.RERECORD,
        rerecord_reason=reason,
        quality=state.quality,
        detected_format=state.decoded.format,
        feedback=(messages.get(reason, "Please record again."),),
        recognized_text=" ".join(state.recognised),
    )


def score_take(state: TakeState, ref: ReferenceAnalysis, scorers: Scorers) -> AnalysisResult:
    assert state.quality is not None
    ctx = _context(state, ref)
    pron = scorers.pronunciation.score(ctx)
    inton = state.intonation or scorers.intonation.score(ctx)
    expr = scorers.expressiveness.score(ctx)
    tim = scorers.timing.score(ctx)
    words: tuple[WordResult, ...] = ()
    miscues: tuple = ()  # type: ignore[type-arg]
    if isinstance(pron.detail, PronunciationDetail):
        words, miscues = pron.detail.words, pron.detail.miscues
    timing_summary = None
    if isinstance(tim.detail, tuple):
        timing_summary, deltas = tim.detail
        words = (
            tuple(
                dataclasses.replace(w, onset_delta=round(d[0], 3), offset_delta=round(d[1], 3))
                if w.start is not None
                else w
                for w, d in zip(words, deltas, strict=False)
            )
            + words[len(deltas) :]
        )
    omitted = sum(1 for w in words if w.status is WordStatus.OMITTED)
    unaligned = unaligned_speech_fraction(ctx.take.alignment, speech_frames(np.asarray(state.energy_db)))
    if (words and omitted / len(words) > MAX_OMITTED_FRACTION) or unaligned > MAX_UNALIGNED_SPEECH:
        # most of the line is missing, or much of what was said is not the line: not a weak take
        result = rerecord(state, RerecordReason.WRONG_OR_INCOMPLETE_LINE)
        return dataclasses.replace(result, words=words, miscues=miscues)
    scores = Scores(
        pronunciation=round(pron.score, 1),
        intonation=round(inton.score, 1),
        expressiveness=round(expr.score, 1),
        timing=round(tim.score, 1),
        overall=round(overall(pron.score, inton.score, expr.score, tim.score), 1),
    )
    return AnalysisResult(
        model_version=MODEL_VERSION,
        verdict=Verdict.SCORED,
        quality=state.quality,
        detected_format=state.decoded.format,
        scores=scores,
        words=words,
        miscues=miscues,
        pitch=inton.detail,
        reference_features=ref.analysis.features,
        take_features=ctx.take.features,
        expressiveness_measures=str(getattr(scorers.expressiveness, "measures", scorers.expressiveness.axis)),
        timing=timing_summary,
        feedback=pron.feedback + inton.feedback + expr.feedback + tim.feedback,
        recognized_text=" ".join(state.recognised),
    )
