"""The pluggable scorers and the overall score.

Every axis is a `Scorer`: it reads a `ScoringContext` (both speakers' analyses, the take's alignment
and what was recognised) and returns an `AxisScore`. `Scorers` bundles one per axis; a deployment can
swap any of them (e.g. an emotion model for expressiveness) without touching the pipeline.

overall = (0.35 · pronunciation + 0.25 · intonation + 0.20 · expressiveness + 0.20 · timing) · completeness
(pronunciation weighs most: a line that is not said right cannot be dubbed well; the completeness factor
caps it at 100 · completeness, so a take missing a quarter of the words cannot beat a complete take of
the same reading, whose other axes are judged on the words spoken).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from yousync_analyzer import expressiveness, intonation, timing
from yousync_analyzer.content import Judgement
from yousync_analyzer.domain import AlignedWord, Miscue, SpeakerAnalysis, WordResult, WordStatus

WEIGHTS = {"pronunciation": 0.35, "intonation": 0.25, "expressiveness": 0.20, "timing": 0.20}


@dataclass(frozen=True)
class ScoringContext:
    words: tuple[str, ...]  # the line, normalised
    reference: SpeakerAnalysis
    take: SpeakerAnalysis  # on the words spoken
    recognised: tuple[str, ...]
    judgement: Judgement
    reference_words: tuple[AlignedWord, ...]  # every word of the line in the actor's audio


@dataclass(frozen=True)
class AxisScore:
    score: float
    feedback: tuple[str, ...] = ()
    detail: Any = None


class Scorer(Protocol):
    """One scoring axis. Implementations must be picklable (they run in pool workers)."""

    axis: str

    def score(self, ctx: ScoringContext) -> AxisScore: ...


@dataclass(frozen=True)
class PronunciationDetail:
    words: tuple[WordResult, ...]
    miscues: tuple[Miscue, ...]


class PronunciationScorer:
    axis = "pronunciation"

    def score(self, ctx: ScoringContext) -> AxisScore:
        ref_words = {w.index: w for w in ctx.reference_words}
        results: list[WordResult] = []
        for j in ctx.judgement.words:
            rw = ref_words.get(j.index)
            a = j.aligned
            results.append(
                WordResult(
                    word=ctx.words[j.index],
                    index=j.index,
                    status=j.status,
                    score=round(j.score, 1),
                    start=a.start if a is not None else None,
                    end=a.end if a is not None else None,
                    reference_start=rw.start if rw is not None else 0.0,
                    reference_end=rw.end if rw is not None else 0.0,
                )
            )
        found = ctx.judgement.miscues
        value = float(np.mean([w.score for w in results])) if results else 0.0
        feedback: list[str] = []
        omitted_words = [w.word for w in results if w.status is WordStatus.OMITTED]
        weak = [w.word for w in results if w.status is WordStatus.MISPRONOUNCED]
        if omitted_words:
            feedback.append("You seem to have left out: " + ", ".join(omitted_words) + ".")
        if weak:
            feedback.append("Work on the pronunciation of: " + ", ".join(weak) + ".")
        if not omitted_words and not weak:
            feedback.append("Every word of the line came through clearly.")
        return AxisScore(value, tuple(feedback), PronunciationDetail(tuple(results), tuple(found)))


class IntonationScorer:
    axis = "intonation"

    def score(self, ctx: ScoringContext) -> AxisScore:
        value, comparison = intonation.compare(
            ctx.reference.pitch,
            ctx.take.pitch,
            ctx.reference.alignment,
            ctx.take.alignment,
            np.asarray(ctx.reference.energy_db),
            np.asarray(ctx.take.energy_db),
        )
        feedback: list[str] = []
        if value >= 70:
            feedback.append("Your melody follows the actor's closely.")
        elif comparison.max_divergence_word:
            feedback.append(
                f"Your pitch moved differently from the actor's, most of all on "
                f"\u201c{comparison.max_divergence_word}\u201d (at {comparison.max_divergence_seconds:.1f} s)."
            )
        return AxisScore(value, tuple(feedback), comparison)


class ProsodySimilarityScorer:
    """Expressiveness as similarity of prosodic features to the actor's (see expressiveness.py)."""

    axis = "expressiveness"
    measures = expressiveness.MEASURES

    def score(self, ctx: ScoringContext) -> AxisScore:
        ref, take = ctx.reference.features, ctx.take.features
        value = expressiveness.score(ref, take)
        feedback: list[str] = []
        if take.pitch_range_semitones < 0.6 * ref.pitch_range_semitones:
            feedback.append(
                f"Use more pitch variation: your range was {take.pitch_range_semitones:.1f} semitones, "
                f"the actor's {ref.pitch_range_semitones:.1f}."
            )
        if take.energy_range_db < 0.6 * ref.energy_range_db:
            feedback.append("Vary your loudness more, as the actor does.")
        if value >= 75 and not feedback:
            feedback.append("Your delivery matches the actor's energy and range.")
        return AxisScore(value, tuple(feedback), None)


class TimingScorer:
    axis = "timing"

    def score(self, ctx: ScoringContext) -> AxisScore:
        value, summary, d = timing.score(ctx.reference.alignment, ctx.take.alignment)
        feedback: list[str] = []
        if summary.pace_ratio > 1.15:
            feedback.append(f"You spoke {round((summary.pace_ratio - 1) * 100)}% slower than the actor.")
        elif summary.pace_ratio < 0.87:
            feedback.append(f"You spoke {round((1 - summary.pace_ratio) * 100)}% faster than the actor.")
        else:
            feedback.append("Your pace matches the actor's.")
        return AxisScore(value, tuple(feedback), (summary, d))


@dataclass(frozen=True)
class Scorers:
    pronunciation: Scorer = field(default_factory=PronunciationScorer)
    intonation: Scorer = field(default_factory=IntonationScorer)
    expressiveness: Scorer = field(default_factory=ProsodySimilarityScorer)
    timing: Scorer = field(default_factory=TimingScorer)


def overall(pron: float, inton: float, expr: float, tim: float, completeness: float = 1.0) -> float:
    weighted = (
        WEIGHTS["pronunciation"] * pron
        + WEIGHTS["intonation"] * inton
        + WEIGHTS["expressiveness"] * expr
        + WEIGHTS["timing"] * tim
    )
    return weighted * min(1.0, max(0.0, completeness))
