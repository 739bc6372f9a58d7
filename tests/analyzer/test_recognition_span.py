"""Recognition only where forced alignment cannot vouch for the words (pipeline.recognise_take).

Real takes from the evaluation set (services/analyzer/eval/data), analysed in this process: a take the
alignment vouches for is judged exactly as with the recogniser; a substituted word, an inserted word
and another sentence are still found; the recogniser's phone loop opens only over the words the
alignment does not vouch for, and a substitution there is still flagged.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from yousync_analyzer import content, pipeline
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


def test_the_phone_loop_opens_only_over_the_words_in_doubt_and_still_flags_a_substitution() -> None:
    for line, kind in (("napalm", "sub1"), ("chocolates", "sub1")):
        state = prepared(line, take(line, kind))
        assert state.reading is not None
        (substituted,) = label(line, kind)["substituted"]
        assert state.vouched and substituted not in state.vouched, (line, state.vouched)
        # the words around the span were expected as they are, and heard so
        for i in state.vouched:
            slot = state.reading.slots[i]
            assert slot.kind == "match" and slot.heard is not None and slot.heard.word == state.words[i]
        result = scored(line, state)
        assert result.verdict is Verdict.SCORED
        assert result.words[substituted].status is not WordStatus.OK
        if line == "napalm":  # "smell" read as another word is heard as one
            assert any(m.word_index == substituted and m.type is MiscueType.SUBSTITUTION for m in result.miscues)


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
