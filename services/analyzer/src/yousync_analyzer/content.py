"""Content: which of the line's words were said, judged from two independent sources of evidence.

1. The free recognition pass (a grammar that expects the line in order but lets any word be skipped,
   replaced by unknown speech or joined by it; see `pronunciation.Aligner.recognise`) is aligned to the
   line by edit distance (`read`). A heard token matches a line word when it is that word or its phones
   are close to the word's dictionary phones (`phone_distance` ≤ CLOSE_PHONES).
2. Forced alignment of the line (or, when it finds no path, of the words that were heard) gives each
   word an acoustic score and a duration.

A word is flagged only when both agree (`judge`):
- OMITTED (miscue OMISSION): nothing (or only noise) heard in its place, and its alignment is poor
  (score < OMISSION_SCORE), squeezed (under half the time the actor's pace predicts) or on silence,
  or it could not be aligned at all;
- MISPRONOUNCED with a SUBSTITUTION miscue: something else was heard in its place (phone distance
  ≥ SUBSTITUTION_PHONES over ≥ 0.1 s) and its acoustic score is below SUBSTITUTION_SCORE;
- MISPRONOUNCED (no miscue): heard or not, its acoustic score is below MISPRONOUNCED_SCORE;
- an INSERTION miscue: heard speech outside the line's words lasting ≥ MIN_INSERTION_SECONDS.
Every miscue carries a confidence in 0–1.

completeness = share of the line's words not omitted. The content verdict: a take is sent back
(WRONG_OR_INCOMPLETE_LINE) when completeness < MIN_COMPLETENESS, or when under half of the line's words
were heard and MAX_FLAGGED or more of those up to the last one spoken are not OK or the words' mean acoustic score is
below WEAK_SCORE, or when more than MAX_OUTSIDE_SHARE of the word-like speech heard lies outside the line
(another sentence). pipeline.py sends a take failing this as TOO_NOISY instead when its SNR is low.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from yousync_analyzer.domain import AlignedWord, Alignment, HeardWord, Miscue, MiscueType, WordStatus

CLOSE_PHONES = 0.34  # heard phones this close to the word's own count as the word
SUBSTITUTION_PHONES = 0.5
SUBSTITUTION_SCORE = 90.0
# A word is this much worse per frame than the median of the take's recognised words: beyond the
# spread of correctly read words in clean takes (up to ~10.5 on the actor's own recording).
RELATIVE_DEFICIT = 12.0
MIN_BASELINE_WORDS = 2
# ... and an outlier among them: at least this many robust standard deviations (1.4826 · MAD) of their
# scores below their median. Some voices fit the model unevenly (espeak's own reading of "May the force
# be with you" spreads its words from -9 to -37 per frame), and a word among them is no outlier.
OUTLIER_SDS = 3.0
OMISSION_SCORE = 50.0  # = MISPRONOUNCED_SCORE: not heard, and the aligner's score says not OK either
MISPRONOUNCED_SCORE = 50.0
SQUEEZED = 0.5
CUT_MARGIN = 0.05  # the take's speech ends within this of the last word's end: the take stops there
MIN_INSERTION_SECONDS = 0.25
MIN_SUBSTITUTION_SECONDS = 0.1
MIN_COMPLETENESS = 0.6
MIN_SPEECH_SHARE = 0.3
MAX_OUTSIDE_SHARE = 0.4  # more of the speech than this outside the line's words: another sentence
WEAK_SCORE = 75.0  # with under half the line heard, spoken words this weak mean another sentence
MAX_FLAGGED = 0.4  # with under half the line heard, this share of words not OK means another sentence
VOWELS = frozenset(["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"])
UNKNOWN = "*"
# In connected speech an unstressed vowel is reduced towards schwa; the recogniser then hears AH, IH
# or UH for it ("a" heard as /uh/ is the word "a", not another word). Two of them cost this much.
REDUCED = frozenset(["AH", "IH", "UH"])
REDUCED_COST = 0.3
# A word heard exactly is an anchor: matching it earns this much (a negative cost), so that two
# unrelated substitutions never beat an omission + an insertion around an exact match.
ANCHOR = -0.5
# An omission or insertion costs a little under a wholly different word, so that a word heard exactly
# anchors the alignment (rather than a chain of substitutions of equal cost).
GAP_COST = 0.9


# When forced alignment alone vouches for every word, the recognition pass is not run (it is ~half the
# CPU of a take): no rule below could flag a word or an insertion on such a take. Margins are kept
# inside the rules' thresholds (8 < RELATIVE_DEFICIT, 0.6 > SQUEEZED), see `vouches`.
VOUCH_SCORE = SUBSTITUTION_SCORE
VOUCH_DEFICIT = 8.0
VOUCH_OUTSIDE_SHARE = 0.05
VOUCH_SQUEEZED = 0.6
SPAN_CONTEXT = 1  # words recognised on each side of the words alignment does not vouch for


def _phone_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    if a in REDUCED and b in REDUCED:
        return REDUCED_COST
    return 1.0


def phone_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Levenshtein distance of two phone sequences over the longer one's length (0 same, 1 unrelated);
    two reduced vowels (schwa-like AH, IH, UH) cost REDUCED_COST, not 1."""
    if not a and not b:
        return 0.0
    prev: list[float] = [float(j) for j in range(len(b) + 1)]
    for i, pa in enumerate(a, start=1):
        cur = [float(i)] + [0.0] * len(b)
        for j, pb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + _phone_cost(pa, pb))
        prev = cur
    return prev[-1] / max(len(a), len(b))


@dataclass(frozen=True)
class Slot:
    """What recognition says about one word of the line."""

    kind: str  # "match", "substitution" or "omission"
    heard: HeardWord | None = None
    distance: float = 1.0  # phone distance of what was heard to the word


@dataclass(frozen=True)
class Reading:
    slots: tuple[Slot, ...]
    insertions: tuple[HeardWord, ...]

    @property
    def heard_share(self) -> float:
        return sum(s.kind == "match" for s in self.slots) / len(self.slots) if self.slots else 0.0


def read(line: Sequence[str], line_phones: Sequence[Sequence[str]], heard: Sequence[HeardWord]) -> Reading:
    """Edit-distance alignment of what was heard to the line (substitution cost = phone distance)."""
    n, m = len(line), len(heard)

    def distance(i: int, j: int) -> float:
        if heard[j].word == line[i]:
            return 0.0
        return phone_distance(line_phones[i], heard[j].phones)

    def cost(i: int, j: int) -> float:
        return ANCHOR if heard[j].word == line[i] else distance(i, j)

    gap = GAP_COST
    acc = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        acc[i][0] = acc[i - 1][0] + gap  # built as the backtrace checks it (i * gap may differ in the last bit)
    for j in range(1, m + 1):
        acc[0][j] = acc[0][j - 1] + gap
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i][j] = min(acc[i - 1][j] + gap, acc[i][j - 1] + gap, acc[i - 1][j - 1] + cost(i - 1, j - 1))
    slots: list[Slot] = [Slot("omission")] * n
    inserted: list[HeardWord] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and acc[i][j] == acc[i - 1][j - 1] + cost(i - 1, j - 1):
            d = distance(i - 1, j - 1)
            slots[i - 1] = Slot("match" if d <= CLOSE_PHONES else "substitution", heard[j - 1], d)
            i, j = i - 1, j - 1
        elif i > 0 and (j == 0 or acc[i][j] == acc[i - 1][j] + gap):
            slots[i - 1] = Slot("omission")
            i -= 1
        else:
            inserted.append(heard[j - 1])
            j -= 1
    return Reading(tuple(slots), tuple(reversed(inserted)))


def speech_heard(slot: Slot) -> bool:
    """Something word-like was heard in this slot: at least 0.1 s with a vowel (noise heard as
    /f v hh/ is not)."""
    h = slot.heard
    return h is not None and h.end - h.start >= MIN_SUBSTITUTION_SECONDS and bool(VOWELS.intersection(h.phones))


@dataclass(frozen=True)
class WordJudgement:
    index: int
    status: WordStatus
    score: float  # 0-100; 0 when omitted
    aligned: AlignedWord | None  # None when omitted
    miscue: Miscue | None = None


@dataclass(frozen=True)
class Judgement:
    words: tuple[WordJudgement, ...]
    insertions: tuple[Miscue, ...]
    completeness: float
    heard_share: float
    flagged_share: float  # share of the words up to the last one spoken that are not OK
    spoken_score: float = 100.0  # mean acoustic score of the words not omitted
    outside_share: float = 0.0  # share of the heard speech that matched no word of the line

    @property
    def miscues(self) -> tuple[Miscue, ...]:
        found = [w.miscue for w in self.words if w.miscue is not None]
        return tuple(found) + self.insertions

    @property
    def acceptable(self) -> bool:
        """False for a different sentence or a take missing too much of the line."""
        if self.completeness < MIN_COMPLETENESS:
            return False
        if self.outside_share > MAX_OUTSIDE_SHARE:
            return False
        return not (self.heard_share < 0.5 and (self.flagged_share >= MAX_FLAGGED or self.spoken_score < WEAK_SCORE))


def _clip(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 2)


def judge(
    line: Sequence[str],
    reading: Reading,
    aligned: dict[int, AlignedWord],
    expected_seconds: Sequence[float],
    word_score: dict[int, float],
    speech_share: dict[int, float] | None = None,
    speech_end: float | None = None,
) -> Judgement:
    """Fuse recognition (`reading`) with the alignment (`aligned`: line index → word, possibly a subset).

    `expected_seconds[i]`: the duration the actor's word i predicts at the take's pace;
    `word_score[i]`: the 0-100 acoustic score of aligned word i; `speech_share[i]`: the share of its
    aligned span the energy detector heard as speech (a word aligned onto silence was not said).
    """
    matched = [aligned[i].frame_score for i, slot in enumerate(reading.slots) if slot.kind == "match" and i in aligned]
    baseline: float | None = None
    margin = RELATIVE_DEFICIT
    if len(matched) >= MIN_BASELINE_WORDS:
        baseline = statistics.median(matched)
        spread = 1.4826 * statistics.median(abs(x - baseline) for x in matched)  # a robust SD
        margin = max(RELATIVE_DEFICIT, OUTLIER_SDS * spread)
    out: list[WordJudgement] = []
    for i, word in enumerate(line):
        slot = reading.slots[i]
        a = aligned.get(i)
        if a is None:
            out.append(WordJudgement(i, WordStatus.OMITTED, 0.0, None, Miscue(MiscueType.OMISSION, word, "", i, 1.0)))
            continue
        s = word_score.get(i, 0.0)
        ratio = (a.end - a.start) / expected_seconds[i] if expected_seconds[i] > 0 else 1.0
        silent = (speech_share or {}).get(i, 1.0) < MIN_SPEECH_SHARE
        heard = slot.heard
        # speech heard in the word's place (a substitution) is not an omission, whatever the aligner did
        if slot.kind != "match" and not speech_heard(slot) and (s < OMISSION_SCORE or ratio < SQUEEZED or silent):
            weak = 1.0 if silent else 1 - s / OMISSION_SCORE if s < OMISSION_SCORE else 1 - ratio / SQUEEZED
            conf = _clip(0.6 + 0.4 * weak)
            out.append(WordJudgement(i, WordStatus.OMITTED, 0.0, None, Miscue(MiscueType.OMISSION, word, "", i, conf)))
            continue
        # how much worse per frame the word fits than the take's own recognised words (noise or a
        # voice unlike the model's lowers every word; a word read as another lowers this one)
        deficit = baseline - a.frame_score if baseline is not None else 0.0
        if (
            slot.kind == "substitution"
            and heard is not None
            and slot.distance >= SUBSTITUTION_PHONES
            and speech_heard(slot)
            and (s < SUBSTITUTION_SCORE or deficit >= margin)
        ):
            said = heard.word if heard.word != UNKNOWN else "/" + " ".join(p.lower() for p in heard.phones) + "/"
            acoustic = max(1 - s / 100, min(1.0, deficit / (3 * margin)))
            conf = _clip(0.5 * slot.distance + 0.5 * acoustic + 0.2)
            miscue = Miscue(MiscueType.SUBSTITUTION, word, said, i, conf)
            out.append(WordJudgement(i, WordStatus.MISPRONOUNCED, min(s, MISPRONOUNCED_SCORE - 1), a, miscue))
            continue
        status = WordStatus.OK if s >= MISPRONOUNCED_SCORE else WordStatus.MISPRONOUNCED
        out.append(WordJudgement(i, status, s, a))
    if speech_end is not None:
        out = _cut_off(out, reading, expected_seconds, speech_share or {}, speech_end)
    spoken = [w.aligned for w in out if w.aligned is not None]
    insertions: list[Miscue] = []
    for h in reading.insertions:
        seconds = h.end - h.start
        if seconds < MIN_INSERTION_SECONDS or not VOWELS.intersection(h.phones):
            continue
        inside = any(w.start - 0.02 <= h.start and h.end <= w.end + 0.02 for w in spoken)
        if inside:
            continue  # the aligner gave this speech to a word of the line: the two sources disagree
        said = h.word if h.word != UNKNOWN else "/" + " ".join(p.lower() for p in h.phones) + "/"
        insertions.append(Miscue(MiscueType.INSERTION, "", said, -1, _clip(seconds / 0.5)))
    return summarise(out, tuple(insertions), reading)


def summarise(words: Sequence[WordJudgement], insertions: tuple[Miscue, ...], reading: Reading) -> Judgement:
    n = len(words)
    kept = [w for w in words if w.status is not WordStatus.OMITTED]
    # the part of the line the take said: up to its last spoken word (a take that stops early is
    # judged on what it said; completeness counts the missing rest)
    said = words[: max((w.index for w in kept), default=n - 1) + 1]
    flagged = sum(w.status is not WordStatus.OK for w in said)
    return Judgement(
        words=tuple(words),
        insertions=insertions,
        completeness=len(kept) / n if n else 0.0,
        heard_share=reading.heard_share,
        flagged_share=flagged / len(said) if said else 1.0,
        spoken_score=sum(w.score for w in kept) / len(kept) if kept else 0.0,
        outside_share=outside_share(reading),
    )


def rejudge(first: Judgement, second: Judgement) -> Judgement:
    """The judgement on the words spoken, re-aligned without the omitted ones (`second`), keeping the
    first judgement's evidence for the words it found omitted."""
    words = [a if a.status is WordStatus.OMITTED else b for a, b in zip(first.words, second.words, strict=True)]
    reading = Reading(slots=(), insertions=())
    out = summarise(words, second.insertions, reading)
    return dataclasses.replace(out, heard_share=second.heard_share, outside_share=second.outside_share)


def _cut_off(
    words: list[WordJudgement],
    reading: Reading,
    expected_seconds: Sequence[float],
    speech_share: dict[int, float],
    speech_end: float,
) -> list[WordJudgement]:
    """A take that stops inside a word: the take's speech ends within the last word spoken, the
    recogniser did not hear that word whole and nothing after it, and its speech lasts under SQUEEZED
    of the time the actor's pace predicts; less than half of a word is not the word (OMITTED, the
    take is judged on the words before it). A last word's length alone is no evidence: phrase-final
    lengthening differs a lot between speakers."""
    spoken = [w for w in words if w.aligned is not None]
    if not spoken:
        return words
    last = spoken[-1]
    a = last.aligned
    assert a is not None
    if speech_end > a.end + CUT_MARGIN or reading.slots[last.index].kind == "match":
        return words  # the take goes on, or the recogniser heard the whole word
    after = [s for s in reading.slots[last.index + 1 :] if speech_heard(s)]
    after += [Slot("insertion", h) for h in reading.insertions if h.start >= a.end - 0.02]
    if any(speech_heard(s) for s in after):
        return words
    expected = expected_seconds[last.index]
    if expected <= 0:
        return words
    said = (a.end - a.start) * speech_share.get(last.index, 1.0)
    if said >= SQUEEZED * expected:
        return words
    conf = _clip(0.6 + 0.4 * (1 - said / (SQUEEZED * expected)))
    miscue = Miscue(MiscueType.OMISSION, a.word, "", last.index, conf)
    cut = WordJudgement(last.index, WordStatus.OMITTED, 0.0, None, miscue)
    return [cut if w.index == last.index else w for w in words]


def outside_share(reading: Reading) -> float:
    """Share of the word-like speech heard (≥ 0.1 s with a vowel) that the reading left outside the line."""
    inside = sum(s.heard.end - s.heard.start for s in reading.slots if s.heard is not None and speech_heard(s))
    outside = sum(
        h.end - h.start
        for h in reading.insertions
        if h.end - h.start >= MIN_SUBSTITUTION_SECONDS and VOWELS.intersection(h.phones)
    )
    return outside / (inside + outside) if inside + outside > 0 else 0.0


def spoken(alignment: Alignment, indexes: set[int]) -> Alignment:
    """The actor's alignment restricted to the words the take spoke (timing and prosody are judged on
    what was said: a take that stops at three quarters is compared with the actor's first three
    quarters)."""
    words = tuple(w for w in alignment.words if w.index in indexes)
    if len(words) == len(alignment.words):
        return alignment
    if not words:
        return Alignment(words=(), pauses=(), voiced=alignment.voiced)
    first, last = words[0], words[-1]
    lo, hi = first.start, last.end
    if alignment.voiced is not None:
        # keep the energy edges where the spoken words reach the line's edges
        if first.index == alignment.words[0].index:
            lo = alignment.voiced[0]
        if last.index == alignment.words[-1].index:
            hi = alignment.voiced[1]
    pauses = tuple(p for p in alignment.pauses if lo <= p[0] and p[1] <= hi)
    return Alignment(words=words, pauses=pauses, voiced=(lo, hi))


def vouched(aligned: Sequence[AlignedWord], word_score: Sequence[float], speech_share: Sequence[float]) -> list[bool]:
    """Per aligned word, whether forced alignment alone vouches for it: it fits well (score ≥
    VOUCH_SCORE, the substitution rule's absolute threshold), not markedly worse than the take's other
    words (within VOUCH_DEFICIT per frame of their median, inside the relative rule's RELATIVE_DEFICIT)
    and lies on speech. Whatever the recogniser heard there, no rule could flag such a word (its length
    against the actor's pace is checked by `paced`, with the reference, in pipeline.judge)."""
    if not aligned:
        return []
    median = statistics.median(w.frame_score for w in aligned)
    return [
        s >= VOUCH_SCORE and w.frame_score >= median - VOUCH_DEFICIT and share >= MIN_SPEECH_SHARE
        for w, s, share in zip(aligned, word_score, speech_share, strict=True)
    ]


def unvouched_span(vouched: Sequence[bool]) -> tuple[int, int] | None:
    """The words recognition must hear: from the first word alignment does not vouch for to the last,
    with SPAN_CONTEXT words on each side (the alignment's word edges are least reliable next to a bad
    word); None when it vouches for every word."""
    bad = [i for i, ok in enumerate(vouched) if not ok]
    if not bad:
        return None
    return max(0, bad[0] - SPAN_CONTEXT), min(len(vouched) - 1, bad[-1] + SPAN_CONTEXT)


def quiet_outside(outside_share: float, longest_outside: float) -> bool:
    """Almost no speech lies outside the words where recognition does not listen (≤ VOUCH_OUTSIDE_SHARE,
    no stretch as long as the shortest word-like speech, MIN_SUBSTITUTION_SECONDS): no insertion or
    other sentence can hide there (an inserted "old" left 0.22 s of speech outside the words)."""
    return outside_share <= VOUCH_OUTSIDE_SHARE and longest_outside < MIN_SUBSTITUTION_SECONDS


def vouched_reading(aligned: Sequence[AlignedWord], phones: Sequence[Sequence[str]]) -> Reading:
    """The reading of a take the alignment vouched for: every word heard where it was aligned."""
    return Reading(
        slots=tuple(
            Slot("match", HeardWord(w.word, w.start, w.end, tuple(p), w.frame_score), 0.0)
            for w, p in zip(aligned, phones, strict=True)
        ),
        insertions=(),
    )


def paced(
    aligned: Sequence[AlignedWord],
    expected_seconds: Sequence[float],
    speech_share: dict[int, float],
    speech_end: float,
) -> bool:
    """No vouched word is squeezed: each lasts at least VOUCH_SQUEEZED of the time the actor's pace
    predicts (the omission rule fires under SQUEEZED), and so does the speech of the line's last word
    when it is vouched for and the take's speech ends with it (the cut-off rule)."""
    for w in aligned:
        expected = expected_seconds[w.index]
        if expected > 0 and w.end - w.start < VOUCH_SQUEEZED * expected:
            return False
        if w.index == len(expected_seconds) - 1 and speech_end <= w.end + CUT_MARGIN:
            said = (w.end - w.start) * speech_share.get(w.index, 1.0)
            if expected > 0 and said < VOUCH_SQUEEZED * expected:
                return False
    return True
