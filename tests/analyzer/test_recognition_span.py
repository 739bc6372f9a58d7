"""Recognition only where forced alignment cannot vouch for the words (pipeline.recognise_take).

Real takes from the evaluation set (services/analyzer/eval/data), analysed in this process: a take the
alignment vouches for is judged exactly as with the recogniser; a substituted word, an inserted word
and another sentence are still found; a take with a pause is recognised only over the phrase holding
the word the alignment does not vouch for, and the substitution there is still flagged.
"""

from __future__ import annotations

import io
import json
import wave
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from yousync_analyzer import content, pipeline
from yousync_analyzer.audio.decode import as_array
from yousync_analyzer.domain import (
    AlignedWord,
    AnalysisResult,
    MiscueType,
    ReferenceAnalysis,
    ReferenceSpec,
    RerecordReason,
    Verdict,
    WordStatus,
)
from yousync_analyzer.scoring import Scorers

DATA = Path(__file__).resolve().parents[2] / "services" / "analyzer" / "eval" / "data"
LABELS: dict[str, Any] = json.loads((DATA / "labels.json").read_text())
TEXT = {line["id"]: line["text"] for line in LABELS["lines"]}


@cache
def reference(line: str) -> ReferenceAnalysis:
    return pipeline.analyze_reference((DATA / line / "reference.ogg").read_bytes(), ReferenceSpec(line, TEXT[line]), 60)


def prepared(line: str, data: bytes) -> pipeline.TakeState:
    state = pipeline.check_quality(pipeline.decode_take(data, TEXT[line], 60))
    assert state.rerecord is None
    return pipeline.recognise_take(pipeline.align_take(state))


def scored(line: str, state: pipeline.TakeState) -> AnalysisResult:
    scorers = Scorers()
    if state.rerecord is not None:
        return pipeline.rerecord(state, state.rerecord)
    return pipeline.score_take(pipeline.score_pitch(state, reference(line), scorers), reference(line), scorers)


def take(line: str, kind: str) -> bytes:
    return (DATA / line / f"{kind}.ogg").read_bytes()


def label(line: str, kind: str) -> dict[str, Any]:
    return next(t for t in LABELS["takes"] if t["line"] == line and t["kind"] == kind)


def test_a_take_the_alignment_vouches_for_is_judged_as_with_the_recogniser() -> None:
    state = prepared("napalm", take("napalm", "good"))
    assert state.vouched == tuple(range(len(state.words)))  # no recognition pass ran
    assert state.recognised == state.words
    vouched = scored("napalm", state)
    heard = scored("napalm", pipeline._recognise(state))  # the same take through the recogniser
    assert vouched.verdict is heard.verdict is Verdict.SCORED
    assert vouched.scores == heard.scores
    assert [(w.status, w.score) for w in vouched.words] == [(w.status, w.score) for w in heard.words]
    assert not vouched.miscues


def test_substitutions_insertions_and_other_sentences_are_still_found() -> None:
    for line, kind in (("napalm", "sub1"), ("chocolates", "sub2"), ("boat", "sub1")):
        result = scored(line, prepared(line, take(line, kind)))
        for i in label(line, kind)["substituted"]:
            assert result.words[i].status is not WordStatus.OK or any(m.word_index == i for m in result.miscues), (
                line,
                kind,
                i,
            )
    inserted = scored("friends", prepared("friends", take("friends", "insert")))
    assert any(m.type is MiscueType.INSERTION for m in inserted.miscues), inserted.miscues
    for line in ("home", "napalm"):
        state = prepared(line, take(line, "wrong"))
        assert not state.vouched
        wrong = scored(line, state)
        assert (wrong.verdict, wrong.rerecord_reason) == (Verdict.RERECORD, RerecordReason.WRONG_OR_INCOMPLETE_LINE)


def wav(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes())
    return buf.getvalue()


def test_a_take_with_pauses_is_recognised_only_over_the_phrase_in_doubt() -> None:
    # "I love | the smell of napalm | in the morning" with "smell" read as another word, 0.5 s pauses
    line = "napalm"
    original = prepared(line, take(line, "sub1"))
    assert original.alignment is not None
    (substituted,) = label(line, "sub1")["substituted"]
    x = as_array(original.decoded)
    rng = np.random.default_rng(1)
    cuts = [int(original.alignment.words[i].end * 16_000) for i in (1, 5)]
    parts = [x[: cuts[0]], x[cuts[0] : cuts[1]], x[cuts[1] :]]
    pause = rng.standard_normal(8_000).astype(np.float32) * 1e-4
    state = prepared(line, wav(np.concatenate((parts[0], pause, parts[1], pause, parts[2]))))
    assert state.vouched == (0, 1, 6, 7, 8)  # the phrases before and after the pauses were not recognised
    # what the recogniser heard lies between the pauses (0.5 s each; vouched words around it)
    recognised = state.heard[2:-3]
    assert recognised
    assert all(cuts[0] / 16_000 <= h.start and h.end <= cuts[1] / 16_000 + 1.0 for h in recognised)
    result = scored(line, state)
    assert result.verdict is Verdict.SCORED
    assert result.words[substituted].status is not WordStatus.OK
    assert [w.status for i, w in enumerate(result.words) if i != substituted] == [WordStatus.OK] * 8


def word(i: int, score: float, start: float | None = None) -> AlignedWord:
    start = 0.3 * i if start is None else start
    return AlignedWord(i, f"w{i}", start, start + 0.25, score)


def test_the_alignment_vouches_only_for_words_no_rule_could_flag() -> None:
    words = [word(i, -10.0) for i in range(6)]
    assert content.vouched(words, [99.0] * 6, [1.0] * 6) == [True] * 6
    # below the substitution rule's absolute threshold, far below the take's other words, on silence
    assert content.vouched(words, [99.0, 89.0, 99.0, 99.0, 99.0, 99.0], [1.0] * 6)[1] is False
    worse = [*words[:3], word(3, -10.0 - content.VOUCH_DEFICIT - 1), *words[4:]]
    assert content.vouched(worse, [99.0] * 6, [1.0] * 6) == [True, True, True, False, True, True]
    assert content.vouched(words, [99.0] * 6, [1.0, 1.0, 0.1, 1.0, 1.0, 1.0])[2] is False
    assert content.unvouched_span([True] * 6) is None
    assert content.unvouched_span([True, True, True, False, True, True]) == (2, 4)
    assert content.unvouched_span([False, True, True, True, True, False]) == (0, 5)
    # speech outside the words where recognition does not listen: an insertion could hide there
    assert content.quiet_outside(0.0, 0.0)
    assert not content.quiet_outside(0.0, 0.12)
    assert not content.quiet_outside(0.08, 0.05)


def test_a_vouched_word_shorter_than_the_actors_pace_allows_is_heard_after_all() -> None:
    words = [word(i, -10.0) for i in range(4)]  # 0.25 s each
    assert content.paced(words, [0.3] * 4, {}, speech_end=2.0)
    assert not content.paced(words, [0.3, 0.3, 0.6, 0.3], {}, speech_end=2.0)  # squeezed
    # the take's speech ends with its last word and little of it is speech: maybe cut off
    assert not content.paced(words, [0.3] * 4, {3: 0.5}, speech_end=words[3].end)
    assert content.paced(words, [0.3] * 4, {3: 0.5}, speech_end=words[3].end + 0.5)


def test_a_partial_reading_replaces_the_vouched_slots_of_its_span() -> None:
    words = [word(i, -10.0) for i in range(4)]
    slots = content.vouched_reading(words, [("AH",)] * 4).slots
    heard = content.Reading(slots=(content.Slot("omission"), content.Slot("match", slots[2].heard, 0.0)), insertions=())
    merged = content.merge(slots, (1, 2), heard)
    assert [s.kind for s in merged.slots] == ["match", "omission", "match", "match"]
    assert merged.slots[0] is slots[0] and merged.slots[3] is slots[3]
