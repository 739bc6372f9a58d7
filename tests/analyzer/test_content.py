"""The content rules (content.py) and the overall score's completeness factor, without servers."""

from __future__ import annotations

from yousync_analyzer.content import Reading, judge, phone_distance, read, spoken
from yousync_analyzer.domain import AlignedWord, Alignment, HeardWord, MiscueType, WordStatus
from yousync_analyzer.scoring import overall

LINE = ("keep", "your", "friends", "close")
PHONES = (("K", "IY", "P"), ("Y", "AO", "R"), ("F", "R", "EH", "N", "D", "Z"), ("K", "L", "OW", "S"))


def heard(word: str, start: float, end: float, phones: tuple[str, ...] = ()) -> HeardWord:
    return HeardWord(word, start, end, phones or PHONES[LINE.index(word)])


def aligned(n: int = 4) -> dict[int, AlignedWord]:
    return {i: AlignedWord(i, LINE[i], 0.3 + 0.3 * i, 0.55 + 0.3 * i, -40.0) for i in range(n)}


def run(reading: Reading, scores: dict[int, float] | None = None, words: dict[int, AlignedWord] | None = None):  # type: ignore[no-untyped-def]
    return judge(LINE, reading, words or aligned(), [0.25] * 4, scores or dict.fromkeys(range(4), 95.0))


def test_phone_distance() -> None:
    assert phone_distance(("K", "IY", "P"), ("K", "IY", "P")) == 0
    assert phone_distance(("F", "R", "EH", "N", "D", "Z"), ("F", "AE", "M", "L", "IY")) > 0.5
    assert phone_distance((), ()) == 0


def test_the_line_heard_in_full_is_all_matches() -> None:
    r = read(LINE, PHONES, [heard(w, 0.3 + 0.3 * i, 0.55 + 0.3 * i) for i, w in enumerate(LINE)])
    assert [s.kind for s in r.slots] == ["match"] * 4 and not r.insertions and r.heard_share == 1
    j = run(r)
    assert j.completeness == 1 and not j.miscues and j.acceptable
    assert all(w.status is WordStatus.OK for w in j.words)


def test_close_phones_count_as_the_word_and_far_ones_as_a_substitution() -> None:
    r = read(LINE, PHONES, [heard("keep", 0.3, 0.55), heard("*", 0.6, 0.85, ("Y", "UH", "R"))])
    assert r.slots[1].kind == "match"
    r = read(
        LINE,
        PHONES,
        [heard("keep", 0.3, 0.55), heard("your", 0.6, 0.85), heard("*", 0.9, 1.2, ("F", "AE", "M", "L", "IY"))],
    )
    assert r.slots[2].kind == "substitution" and r.slots[3].kind == "omission"


def test_an_omission_needs_both_sources() -> None:
    r = read(LINE, PHONES, [heard("keep", 0.3, 0.55), heard("your", 0.6, 0.85), heard("close", 1.2, 1.45)])
    assert r.slots[2].kind == "omission"
    # the aligner found good acoustics of normal length: the sources disagree, nothing is flagged
    j = run(r)
    assert j.words[2].status is WordStatus.OK and not j.miscues
    # poor acoustics as well: omitted, with a confidence
    j = run(r, scores={0: 95, 1: 95, 2: 10, 3: 95})
    assert j.words[2].status is WordStatus.OMITTED and j.words[2].aligned is None
    (m,) = j.miscues
    assert m.type is MiscueType.OMISSION and m.word_index == 2 and 0.6 <= m.confidence <= 1
    assert j.completeness == 0.75 and j.acceptable
    # aligned onto silence: omitted too
    j = judge(LINE, r, aligned(), [0.25] * 4, dict.fromkeys(range(4), 95.0), {2: 0.1})
    assert j.words[2].status is WordStatus.OMITTED
    # not alignable at all (a fallback alignment without it): omitted with full confidence
    words = aligned()
    del words[2]
    j = run(r, words=words)
    assert j.words[2].status is WordStatus.OMITTED and j.words[2].miscue is not None
    assert j.words[2].miscue.confidence == 1.0


def family_for_friends() -> list[HeardWord]:
    """ "keep your family close": the recogniser heard another word where the line has "friends"."""
    return [
        heard("keep", 0.3, 0.55),
        heard("your", 0.6, 0.85),
        heard("*", 0.9, 1.15, ("F", "AE", "M", "L", "IY")),
        heard("close", 1.2, 1.45),
    ]


def test_a_substitution_needs_both_sources() -> None:
    said = family_for_friends()
    r = read(LINE, PHONES, said)
    j = run(r, scores={0: 95, 1: 95, 2: 80, 3: 95})
    assert j.words[2].status is WordStatus.MISPRONOUNCED and j.words[2].score < 50
    (m,) = j.miscues
    assert m.type is MiscueType.SUBSTITUTION and m.expected == "friends" and m.recognized == "/f ae m l iy/"
    assert 0 < m.confidence <= 1
    # the aligner is sure of the expected word: no miscue
    j = run(r, scores={0: 95, 1: 95, 2: 93, 3: 95})
    assert j.words[2].status is WordStatus.OK and not j.miscues
    # noise heard as fricatives (no vowel) is not a word
    r = read(LINE, PHONES, [*said[:2], heard("*", 0.9, 1.15, ("F", "V", "HH")), said[3]])
    assert not run(r, scores={0: 95, 1: 95, 2: 80, 3: 95}).miscues


def test_insertions_are_long_speech_outside_the_words() -> None:
    words = [heard(w, 0.3 + 0.5 * i, 0.55 + 0.5 * i) for i, w in enumerate(LINE)]
    spaced = {i: AlignedWord(i, LINE[i], 0.3 + 0.5 * i, 0.55 + 0.5 * i, -40.0) for i in range(4)}
    extra = heard("*", 0.56, 0.79, ("G", "UH", "D"))
    r = read(LINE, PHONES, [words[0], extra, *words[1:]])
    assert r.insertions == (extra,)
    assert not judge(LINE, r, spaced, [0.25] * 4, dict.fromkeys(range(4), 95.0)).miscues  # 0.23 s: too short
    extra = heard("*", 0.56, 0.84, ("G", "UH", "D"))
    r = read(LINE, PHONES, [words[0], extra, *words[1:]])
    (m,) = judge(LINE, r, spaced, [0.25] * 4, dict.fromkeys(range(4), 95.0)).miscues
    assert m.type is MiscueType.INSERTION and m.word_index == -1


def test_another_sentence_or_too_little_of_the_line_is_not_acceptable() -> None:
    r = read(LINE, PHONES, [heard("*", 0.3, 1.5, ("OW", "P", "AH", "N", "DH", "AH", "D", "AO", "R"))])
    j = run(r, scores={0: 30, 1: 40, 2: 45, 3: 30})
    assert not j.acceptable
    r = read(LINE, PHONES, [heard("keep", 0.3, 0.55), heard("your", 0.6, 0.85)])
    j = run(r, scores={0: 95, 1: 95, 2: 10, 3: 10})
    assert j.completeness == 0.5 and not j.acceptable


def test_completeness_caps_the_overall_score() -> None:
    assert overall(90, 90, 90, 90, 0.75) < overall(70, 70, 70, 70, 1.0)
    assert overall(100, 100, 100, 100, 0.8) <= 80
    assert overall(60, 60, 60, 60) == 60


def test_the_actor_is_restricted_to_the_words_spoken() -> None:
    ref = Alignment(words=tuple(aligned().values()), pauses=((0.55, 0.6),), voiced=(0.28, 1.5))
    assert spoken(ref, {0, 1, 2, 3}) is ref
    part = spoken(ref, {0, 1})
    assert [w.index for w in part.words] == [0, 1] and part.speech_start == 0.28 and abs(part.speech_end - 0.85) < 1e-9


def test_nothing_heard_reads_as_every_word_omitted() -> None:
    line = tuple(f"w{i}" for i in range(14))
    r = read(line, [("AH",)] * 14, [])
    assert [s.kind for s in r.slots] == ["omission"] * 14 and not r.insertions


def test_reduced_vowels_are_close_and_exact_words_anchor_the_reading() -> None:
    assert phone_distance(("AH",), ("UH",)) <= 0.34 < phone_distance(("AH",), ("OW",))
    line = ("need", "a", "boat")
    phones = (("N", "IY", "D"), ("AH",), ("B", "OW", "T"))
    r = read(line, phones, [HeardWord("need", 0.3, 0.5, phones[0]), HeardWord("*", 0.5, 0.56, ("UH",))])
    assert [s.kind for s in r.slots] == ["match", "match", "omission"]
    # "there's no pl…": the exact "no" fills its own slot, not a later one as a substitution
    line = ("there's", "no", "place", "like", "home")
    phones = (("DH", "EH", "R", "Z"), ("N", "OW"), ("P", "L", "EY", "S"), ("L", "AY", "K"), ("HH", "OW", "M"))
    said = [
        HeardWord("there's", 0.28, 0.49, phones[0]),
        HeardWord("*", 0.49, 0.54, ("N",)),
        HeardWord("no", 0.54, 0.72, phones[1]),
        HeardWord("*", 0.72, 1.09, ("P", "OY", "IH", "P")),
    ]
    r = read(line, phones, said)
    assert [s.kind for s in r.slots[:2]] == ["match", "match"] and r.slots[3].kind == "omission"


def test_a_word_fitting_far_worse_than_the_takes_own_words_is_a_substitution() -> None:
    r = read(LINE, PHONES, family_for_friends())
    scores = dict.fromkeys(range(4), 95.0)  # the aligner accepts the speech for "friends"
    words = {i: AlignedWord(i, LINE[i], 0.3 + 0.3 * i, 0.55 + 0.3 * i, -8.0) for i in range(4)}
    words[2] = AlignedWord(2, "friends", 0.9, 1.15, -30.0)  # but 22 per frame worse than the others
    j = judge(LINE, r, words, [0.25] * 4, scores)
    (m,) = j.miscues
    assert m.type is MiscueType.SUBSTITUTION and m.word_index == 2 and j.words[2].status is WordStatus.MISPRONOUNCED
    words[2] = AlignedWord(2, "friends", 0.9, 1.15, -16.0)  # within the spread of correctly read words
    assert not judge(LINE, r, words, [0.25] * 4, scores).miscues


def test_a_take_cut_inside_its_last_word_has_not_said_it() -> None:
    said = [heard("keep", 0.3, 0.55), heard("your", 0.6, 0.85), heard("friends", 0.9, 1.15)]
    partial = heard("*", 1.2, 1.31, ("K", "AH"))  # a vowel, 0.11 s: speech, not an omission by itself
    r = read(LINE, PHONES, [*said, partial])
    words = aligned()
    words[3] = AlignedWord(3, "close", 1.2, 1.31, -40.0)
    j = judge(LINE, r, words, [0.25] * 4, dict.fromkeys(range(4), 95.0), speech_end=1.31)
    assert j.words[3].status is WordStatus.OMITTED and j.completeness == 0.75
    assert j.words[3].miscue is not None and j.words[3].miscue.type is MiscueType.OMISSION
    # the take goes on after it: not cut
    j = judge(LINE, r, words, [0.25] * 4, dict.fromkeys(range(4), 95.0), speech_end=2.0)
    assert j.words[3].status is WordStatus.OK
    # the recogniser heard the whole word (a short final word is no evidence of a cut)
    r = read(LINE, PHONES, [*said, heard("close", 1.2, 1.31)])
    j = judge(LINE, r, words, [0.25] * 4, dict.fromkeys(range(4), 95.0), speech_end=1.31)
    assert j.words[3].status is WordStatus.OK


def test_a_take_that_stops_early_is_judged_on_the_part_it_said() -> None:
    line = ("there's", "no", "place", "like", "home")
    phones = (("DH", "EH", "R", "Z"), ("N", "OW"), ("P", "L", "EY", "S"), ("L", "AY", "K"), ("HH", "OW", "M"))
    said = [
        HeardWord("there's", 0.28, 0.49, phones[0]),
        HeardWord("no", 0.54, 0.72, phones[1]),
        HeardWord("*", 0.72, 1.09, ("P", "OY", "IH", "P")),
    ]
    r = read(line, phones, said)
    words = {i: AlignedWord(i, line[i], 0.28 + 0.25 * i, 0.5 + 0.25 * i, -10.0) for i in range(3)}
    scores = {0: 99.0, 1: 99.0, 2: 70.0}
    j = judge(line, r, words, [0.25] * 5, scores)
    # 2 of 5 words heard, 3 of 5 not OK over the line, but 1 of the 3 it said: a cut take, not another sentence
    assert j.completeness == 0.6 and j.heard_share == 0.4 and j.flagged_share < 0.4 and j.acceptable
