"""The analysis, split into stages that each run as one call in a pool worker.

Each stage takes and returns plain picklable data (`TakeState`), so the server can report progress
between stages and stop a cancelled stream's work at the next stage boundary. The pocketsphinx
decoders live in the worker process (`_worker_aligner`), built once per process.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from yousync_analyzer import MODEL_VERSION, content, expressiveness
from yousync_analyzer.audio.decode import as_array, decode
from yousync_analyzer.domain import (
    FRAME_SECONDS,
    SAMPLE_RATE,
    AlignedWord,
    Alignment,
    AnalysisFailed,
    AnalysisResult,
    Decoded,
    FailureReason,
    HeardWord,
    Miscue,
    PitchTrack,
    QualityReport,
    ReferenceAnalysis,
    ReferenceSpec,
    RerecordReason,
    Scores,
    SpeakerAnalysis,
    Verdict,
    WordResult,
)
from yousync_analyzer.pronunciation import Aligner, normalize, unaligned_speech, word_score
from yousync_analyzer.quality import QualityThresholds, assess, speech_frames
from yousync_analyzer.scoring import AxisScore, PronunciationDetail, Scorers, ScoringContext, overall
from yousync_analyzer.signal import frame_energy_db, pitch_track

SUPPORTED_LANGUAGES = ("en",)
# A word starts in sync with the actor when its onset differs by at most this (the original frontend's rule).
ON_TIME_SECONDS = 0.25
# Below this estimated SNR (10 dB above the quality gate's TOO_NOISY) the recogniser loses words: a take
# that fails the content check there is sent back as too noisy, not as another sentence.
NOISY_CONTENT_SNR_DB = 25.0
# Recognition listens this far beyond the take's speech.
RECOGNITION_MARGIN = 0.2

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
    alignment: Alignment | None = None  # words carry their index in the line (a subset after a fallback)
    aligned_by: str = "line"  # "line", "heard-words" (fallback) or "recogniser" (last resort)
    # the words forced alignment vouched for: recognition did not listen for anything else there (not
    # run at all, or its grammar expected them as they are; see recognise_take); judge recognises the
    # whole line after all when one is shorter than the actor's pace allows
    vouched: tuple[int, ...] = ()
    heard: tuple[HeardWord, ...] = ()
    reading: content.Reading | None = None
    judgement: content.Judgement | None = None
    intonation: AxisScore | None = None
    context: ScoringContext | None = None  # both sides' measures on the words spoken (score_pitch)

    @property
    def recognised(self) -> tuple[str, ...]:
        return tuple(h.word for h in self.heard if h.word != content.UNKNOWN)


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
    """Force-align the whole line; no path is not yet a verdict (recognition decides, see recognise_take)."""
    assert state.quality is not None
    x = as_array(state.decoded)
    alignment = aligner().align(x, list(state.words), (state.quality.speech_start, state.quality.speech_end))
    return dataclasses.replace(state, alignment=alignment)


def recognise_take(state: TakeState) -> TakeState:
    """Recognise what was said, read it against the line, and fall back when the line found no path:
    align the words that were heard; failing that, take the recogniser's own word times.

    The recognition grammar's phone loop is most of a take's CPU, so it is opened only where forced
    alignment cannot vouch for the words (`content.vouched`: no rule could flag such a word whatever
    the recogniser heard there). When alignment vouches for every word, recognition does not run and
    each word counts as heard where it was aligned; otherwise only the words from the first to the
    last it does not vouch for (and a neighbour each side) may be skipped, replaced or joined by
    other speech, and the others are expected as they are (whole take, same audio, same normalisation
    as a full pass). Either way no stretch of speech may lie outside the words where the phone loop is
    closed (an insertion or another sentence could hide there), and the take must not be noisy (SNR ≥
    NOISY_CONTENT_SNR_DB), or the whole line is recognised.
    `judge` recognises the whole line after all when a vouched word is shorter than the actor's pace
    allows."""
    quality = state.quality
    al = state.alignment
    if al is None or quality is None:
        return _recognise(state)
    speech = speech_frames(np.asarray(state.energy_db))
    share = _speech_shares(al.words, speech)
    ok = content.vouched(al.words, [word_score(w.frame_score) for w in al.words], [share[w.index] for w in al.words])
    a = aligner()
    slots = content.vouched_reading(al.words, [a.phones(state.words[w.index]) for w in al.words]).slots
    span = content.unvouched_span(ok)
    if span is None:
        if not content.quiet_outside(*unaligned_speech(al, speech)):
            return _recognise(state)
        reading = content.Reading(slots=slots, insertions=())
        heard = tuple(slot.heard for slot in slots if slot.heard is not None)
        return dataclasses.replace(state, heard=heard, reading=reading, vouched=tuple(range(len(state.words))))
    lo_i, hi_i = span
    n = len(state.words)
    if span == (0, n - 1) or quality.snr_db < NOISY_CONTENT_SNR_DB:
        # nothing to keep closed; or noise, where the expected words' path was pruned away (no path
        # on 3 of the 10 evaluation takes under 25 dB) and the whole line had to be recognised again
        return _recognise(state)
    start = al.words[lo_i].start if lo_i > 0 else -np.inf
    end = al.words[hi_i].end if hi_i < n - 1 else np.inf
    if not content.quiet_outside(*unaligned_speech(al, speech, (start, end))):
        return _recognise(state)
    vouched = tuple(i for i in range(n) if not lo_i <= i <= hi_i)
    partial = _recognise(state, span)
    assert partial.reading is not None
    if any(partial.reading.slots[i].kind != "match" for i in vouched):
        return _recognise(state)  # the grammar could not follow the vouched words as they are
    return dataclasses.replace(partial, vouched=vouched)


def _speech_shares(words: tuple[AlignedWord, ...] | list[AlignedWord], speech: np.ndarray) -> dict[int, float]:
    """Per word, the share of its aligned span the energy detector heard as speech."""
    share: dict[int, float] = {}
    for w in words:
        lo = int(w.start / FRAME_SECONDS)
        frames = speech[lo : max(lo + 1, int(w.end / FRAME_SECONDS))]
        share[w.index] = float(np.mean(frames)) if len(frames) else 0.0
    return share


def _recognise(state: TakeState, span: tuple[int, int] | None = None) -> TakeState:
    """Recognition over the whole take's speech (only the words `span` in doubt, see recognise_take)."""
    quality = state.quality
    assert quality is not None
    x = as_array(state.decoded)
    lo = max(0, int((quality.speech_start - RECOGNITION_MARGIN) * SAMPLE_RATE))
    hi = int((quality.speech_end + RECOGNITION_MARGIN) * SAMPLE_RATE)
    a = aligner()
    heard = tuple(a.recognise(x[lo:hi], list(state.words), offset=lo / SAMPLE_RATE, span=span))
    reading = content.read(state.words, [a.phones(w) for w in state.words], heard)
    state = dataclasses.replace(state, heard=heard, reading=reading, vouched=())
    if state.alignment is not None:
        return state
    present = [i for i, slot in enumerate(reading.slots) if slot.kind == "match" or content.speech_heard(slot)]
    if not present:
        return dataclasses.replace(state, rerecord=RerecordReason.WRONG_OR_INCOMPLETE_LINE)
    voiced = (quality.speech_start, quality.speech_end)
    subset = a.align(x, [state.words[i] for i in present], voiced)
    if subset is not None:
        words = tuple(dataclasses.replace(w, index=present[k]) for k, w in enumerate(subset.words))
        return dataclasses.replace(state, alignment=dataclasses.replace(subset, words=words), aligned_by="heard-words")
    fallback: list[AlignedWord] = []
    for i in present:
        h = reading.slots[i].heard
        assert h is not None
        fallback.append(AlignedWord(i, state.words[i], h.start, h.end, h.frame_score))
    alignment = Alignment(words=tuple(fallback), pauses=(), voiced=voiced)
    return dataclasses.replace(state, alignment=alignment, aligned_by="recogniser")


def _expected_seconds(state: TakeState, ref: ReferenceAnalysis) -> list[float]:
    """Per word of the line, the duration the actor's word predicts at the take's pace."""
    assert state.alignment is not None and state.reading is not None
    ref_al = ref.analysis.alignment
    take_al = state.alignment
    ref_words = {w.index: w for w in ref_al.words}
    # the take's pace from the words recognition heard (a take cut short is not "slow")
    ratios = [
        (w.end - w.start) / (ref_words[w.index].end - ref_words[w.index].start)
        for w in take_al.words
        if w.index in ref_words
        and state.reading.slots[w.index].kind == "match"
        and ref_words[w.index].end > ref_words[w.index].start
    ]
    if len(ratios) >= 2:
        pace = float(np.median(ratios))
    else:
        pace = max(take_al.speech_end - take_al.speech_start, 1e-3) / max(ref_al.speech_end - ref_al.speech_start, 1e-3)
    return [(ref_words[i].end - ref_words[i].start) * pace if i in ref_words else 0.0 for i in range(len(state.words))]


def judge(state: TakeState, ref: ReferenceAnalysis) -> TakeState:
    """Which words were said (recognition and alignment agreeing), see content.py."""
    assert state.alignment is not None and state.reading is not None
    if state.judgement is not None:
        return state
    speech = speech_frames(np.asarray(state.energy_db))
    expected = _expected_seconds(state, ref)
    if state.vouched and not content.paced(
        [w for w in state.alignment.words if w.index in state.vouched],
        expected,
        _speech_shares(state.alignment.words, speech),
        state.quality.speech_end if state.quality is not None else state.decoded.duration,
    ):
        # a vouched word shorter than the actor's pace allows may be a dropped word's stand-in (the
        # alignment stays: recognising again changes only what was heard)
        state = _recognise(state)
    assert state.alignment is not None and state.reading is not None

    def run(aligned: dict[int, AlignedWord]) -> content.Judgement:
        assert state.reading is not None
        scores = {i: word_score(w.frame_score) for i, w in aligned.items()}
        share = _speech_shares(list(aligned.values()), speech)
        end = state.quality.speech_end if state.quality is not None else None
        return content.judge(state.words, state.reading, aligned, expected, scores, share, end)

    judgement = run({w.index: w for w in state.alignment.words})
    if judgement.completeness < 1.0 and state.aligned_by == "line" and _may_be_acceptable(judgement):
        # words were left out: align and score the rest again without the squeezed stand-ins for the
        # missing ones (they also spoil their neighbours' scores: "I" before a dropped "love" scored 9)
        present = [w.index for w in judgement.words if w.aligned is not None]
        voiced = (state.quality.speech_start, state.quality.speech_end) if state.quality else None
        x = as_array(state.decoded)
        subset = aligner().align(x, [state.words[i] for i in present], voiced or (0.0, state.decoded.duration))
        if subset is not None:
            words = {present[k]: dataclasses.replace(w, index=present[k]) for k, w in enumerate(subset.words)}
            judgement = content.rejudge(judgement, run(words))
    return dataclasses.replace(state, judgement=judgement)


def _may_be_acceptable(judgement: content.Judgement) -> bool:
    """Whether aligning the spoken words again could leave the take acceptable: it keeps every word
    found omitted (completeness can only fall) and the recogniser's reading (the speech heard outside
    the line stays), so a take already too incomplete or another sentence is sent back either way."""
    return judgement.completeness >= content.MIN_COMPLETENESS and judgement.outside_share <= content.MAX_OUTSIDE_SHARE


def _take_analysis(state: TakeState) -> SpeakerAnalysis:
    """The take's side, on the words it spoke."""
    assert state.alignment is not None and state.pitch is not None and state.judgement is not None
    energy = np.asarray(state.energy_db)
    alignment = Alignment(
        words=tuple(w.aligned for w in state.judgement.words if w.aligned is not None),
        pauses=state.alignment.pauses,
        voiced=state.alignment.voiced,
    )
    return SpeakerAnalysis(
        alignment=alignment,
        pitch=state.pitch,
        energy_db=state.energy_db,
        features=expressiveness.features(alignment, state.pitch, energy),
        duration=state.decoded.duration,
    )


def _reference_on(ref: ReferenceAnalysis, indexes: set[int]) -> SpeakerAnalysis:
    """The actor's side on the words the take spoke."""
    alignment = content.spoken(ref.analysis.alignment, indexes)
    if alignment is ref.analysis.alignment:
        return ref.analysis
    features = expressiveness.features(alignment, ref.analysis.pitch, np.asarray(ref.analysis.energy_db))
    return dataclasses.replace(ref.analysis, alignment=alignment, features=features)


def _context(state: TakeState, ref: ReferenceAnalysis) -> ScoringContext:
    assert state.judgement is not None
    take = _take_analysis(state)
    return ScoringContext(
        words=state.words,
        reference=_reference_on(ref, {w.index for w in take.alignment.words}),
        take=take,
        recognised=state.recognised,
        judgement=state.judgement,
        reference_words=ref.analysis.alignment.words,
    )


def score_pitch(state: TakeState, ref: ReferenceAnalysis, scorers: Scorers) -> TakeState:
    state = judge(state, ref)
    ctx = _context(state, ref)
    return dataclasses.replace(state, intonation=scorers.intonation.score(ctx), context=ctx)


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
    state = judge(state, ref)
    assert state.quality is not None
    assert state.judgement is not None
    ctx = state.context if state.context is not None else _context(state, ref)
    pron = scorers.pronunciation.score(ctx)
    words: tuple[WordResult, ...] = ()
    miscues: tuple[Miscue, ...] = ()
    if isinstance(pron.detail, PronunciationDetail):
        words, miscues = pron.detail.words, pron.detail.miscues
    if not state.judgement.acceptable:
        # most of the line is missing, or what was said is another sentence: not a weak take; in a
        # noisy take the recogniser loses words, so the fair message is the noise
        noisy = state.quality.snr_db < NOISY_CONTENT_SNR_DB
        reason = RerecordReason.TOO_NOISY if noisy else RerecordReason.WRONG_OR_INCOMPLETE_LINE
        result = rerecord(state, reason)
        return dataclasses.replace(result, words=words, miscues=miscues)
    inton = state.intonation or scorers.intonation.score(ctx)
    expr = scorers.expressiveness.score(ctx)
    tim = scorers.timing.score(ctx)
    timing_summary = None
    if isinstance(tim.detail, tuple):
        timing_summary, deltas = tim.detail
        words = tuple(
            dataclasses.replace(
                w,
                onset_delta=round(deltas[w.index][0], 3),
                offset_delta=round(deltas[w.index][1], 3),
                on_time=abs(round(deltas[w.index][0], 3)) <= ON_TIME_SECONDS,
            )
            if w.start is not None and w.index in deltas
            else w
            for w in words
        )
    completeness = state.judgement.completeness
    scores = Scores(
        pronunciation=round(pron.score, 1),
        intonation=round(inton.score, 1),
        expressiveness=round(expr.score, 1),
        timing=round(tim.score, 1),
        overall=round(overall(pron.score, inton.score, expr.score, tim.score, completeness), 1),
        completeness=round(completeness, 3),
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
        reference_features=ctx.reference.features,
        take_features=ctx.take.features,
        expressiveness_measures=str(getattr(scorers.expressiveness, "measures", scorers.expressiveness.axis)),
        timing=timing_summary,
        feedback=pron.feedback + inton.feedback + expr.feedback + tim.feedback,
        recognized_text=" ".join(state.recognised),
    )
