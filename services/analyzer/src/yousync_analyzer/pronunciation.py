"""Pronunciation: forced alignment of the line to the audio, per-word scores, and miscues.

Forced alignment (pocketsphinx 5, en-US model shipped in the wheel): `set_align_text`, a first pass,
then `set_alignment()` and a second pass; `bestpath=False` (with the default the second pass fails
on many clips). The first pass runs with filler words (silences between words); when it finds no
path it is retried without them. If still no path exists the line was not said: the verdict is
"wrong or incomplete line". So it is when the words found a path but most of the speech lies outside
them (`unaligned_speech`): another sentence was read.

Word score: the aligner's acoustic score per 10 ms frame of the word. pocketsphinx normalises frame
scores to the best senone of each frame, so this behaves like goodness-of-pronunciation (0 is the
best any phone could do there). It is mapped to 0-100 by a logistic:
    word_score = 100 / (1 + exp(-(frame_score - CENTER) / WIDTH))

Recognition (`Aligner.recognise`): a finite-state grammar that expects the line in order but lets
any word be skipped, replaced by a phone string or joined by one (see `_line_grammar`). What it
heard is read against the line and fused with the alignment in content.py: a word is flagged only
when both sources agree.

Pronunciation score = mean word score, omitted words counting 0 (see scoring.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from yousync_analyzer.domain import (
    FRAME_SECONDS,
    SAMPLE_RATE,
    AlignedWord,
    Alignment,
    HeardWord,
)

# The recogniser's phone set (en-US model) and its grammar's transition probabilities.
PHONES = [
    "AA",
    "AE",
    "AH",
    "AO",
    "AW",
    "AY",
    "B",
    "CH",
    "D",
    "DH",
    "EH",
    "ER",
    "EY",
    "F",
    "G",
    "HH",
    "IH",
    "IY",
    "JH",
    "K",
    "L",
    "M",
    "N",
    "NG",
    "OW",
    "OY",
    "P",
    "R",
    "S",
    "SH",
    "T",
    "TH",
    "UH",
    "UW",
    "V",
    "W",
    "Y",
    "Z",
    "ZH",
]
UNKNOWN = "*"
_PHONE_PREFIX = "zq"  # pseudo-words, one per phone (no dictionary word starts so)
P_WORD, P_SUBSTITUTE, P_OMIT, P_INSERT = 0.9, 0.03, 0.05, 0.01

CENTER = -60.0
WIDTH = 10.0
TRIM_MARGIN = 0.15

_LETTERS = {
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "Y", "z": "Z",
}  # fmt: skip
_DIGRAPHS = {"th": "TH", "sh": "SH", "ch": "CH", "ph": "F", "ng": "NG", "ee": "IY", "oo": "UW", "ck": "K"}


def normalize(text: str) -> list[str]:
    """Lower-case words with internal apostrophes kept (the dictionary's spelling)."""
    text = text.lower().replace("\u2019", "'")
    return [w.strip("'") for w in re.findall(r"[a-z0-9']+", text) if w.strip("'")]


def spell_out(word: str) -> str:
    """A crude letter-to-sound guess for words missing from the dictionary."""
    phones: list[str] = []
    i = 0
    letters = re.sub(r"[^a-z]", "", word)
    while i < len(letters):
        pair = letters[i : i + 2]
        if pair in _DIGRAPHS:
            phones.append(_DIGRAPHS[pair])
            i += 2
            continue
        phones.append(_LETTERS[letters[i]])
        i += 1
    return " ".join(phones) or "AH"


def word_score(frame_score: float) -> float:
    return 100.0 / (1.0 + math.exp(-(frame_score - CENTER) / WIDTH))


@dataclass
class Aligner:
    """Per-process pocketsphinx decoders (built once per pool worker: loading takes ~0.2 s)."""

    def __post_init__(self) -> None:
        from pocketsphinx import Decoder

        common = {"samprate": SAMPLE_RATE, "lm": None, "loglevel": "FATAL", "bestpath": False}
        self._align = Decoder(beam=1e-100, wbeam=1e-80, pbeam=1e-100, maxhmmpf=-1, **common)
        self._align_nofill = Decoder(beam=1e-100, wbeam=1e-80, pbeam=1e-100, maxhmmpf=-1, fsgusefiller=False, **common)
        self._recognise = Decoder(fwdflat=False, beam=1e-15, wbeam=1e-20, pbeam=1e-15, maxhmmpf=700, **common)
        for p in PHONES:
            self._recognise.add_word(_PHONE_PREFIX + p.lower(), p, True)
        self._grammars: dict[tuple[tuple[str, ...], tuple[int, int] | None], str] = {}

    def _ensure_words(self, words: list[str]) -> None:
        for decoder in (self._align, self._align_nofill, self._recognise):
            for w in words:
                if decoder.lookup_word(w) is None:
                    decoder.add_word(w, spell_out(w), True)

    def align(self, x: np.ndarray, words: list[str], speech: tuple[float, float]) -> Alignment | None:
        """Force-align `words` to `x`; None when no path exists (the line was not said)."""
        if not words:
            return None
        self._ensure_words(words)
        lo = max(0, int((speech[0] - TRIM_MARGIN) * SAMPLE_RATE))
        hi = min(len(x), int((speech[1] + TRIM_MARGIN) * SAMPLE_RATE))
        if hi - lo < SAMPLE_RATE // 10:
            lo, hi = 0, len(x)
        pcm = _pcm16(x[lo:hi])
        offset = lo / SAMPLE_RATE
        for decoder in (self._align, self._align_nofill):
            result = _align_once(decoder, pcm, words, offset, speech)
            if result is not None:
                return result
        return None

    def phones(self, word: str) -> tuple[str, ...]:
        """The dictionary pronunciation of a word (after `_ensure_words`)."""
        found = self._recognise.lookup_word(word)
        return tuple(found.split()) if found else ()

    def recognise(
        self, x: np.ndarray, words: list[str], offset: float = 0.0, span: tuple[int, int] | None = None
    ) -> list[HeardWord]:
        """What was said, by a grammar that expects the line but lets any word be skipped, replaced or
        joined by unknown speech (a phone loop); see `_line_grammar`. With `span` (first, last word),
        only those words may be skipped, replaced or joined: the others are expected as they are."""
        self._ensure_words(words)
        key = (tuple(words), span)
        name = self._grammars.get(key)
        if name is None:
            if len(self._grammars) > 64:
                for old in list(self._grammars.values()):
                    self._recognise.remove_search(old)
                self._grammars.clear()
            name = f"line{len(self._grammars)}"
            self._recognise.add_fsg(name, self._line_grammar(name, words, span))
            self._grammars[key] = name
        self._recognise.activate_search(name)
        _decode_utterance(self._recognise, _pcm16(x))
        heard: list[HeardWord] = []
        for seg in self._recognise.seg() or ():  # None when the search found no path
            word = re.sub(r"\(\d+\)$", "", seg.word)
            start = offset + seg.start_frame * FRAME_SECONDS
            end = offset + (seg.end_frame + 1) * FRAME_SECONDS
            frames = max(1, seg.end_frame + 1 - seg.start_frame)
            frame_score = float(seg.ascore) / frames
            if word.startswith(_PHONE_PREFIX):
                phone = word[len(_PHONE_PREFIX) :].upper()
                if heard and heard[-1].word == UNKNOWN and start - heard[-1].end < 0.05:
                    # one unknown word: its phones, and their frame score weighted by duration
                    last = heard[-1]
                    before = max(1, round((last.end - last.start) / FRAME_SECONDS))
                    merged = (last.frame_score * before + frame_score * frames) / (before + frames)
                    heard[-1] = HeardWord(UNKNOWN, last.start, end, (*last.phones, phone), merged)
                else:
                    heard.append(HeardWord(UNKNOWN, start, end, (phone,), frame_score))
            elif not word.startswith(("<", "[", "+", "(")):  # silences, fillers, (NULL) = a skipped word
                heard.append(HeardWord(word, start, end, self.phones(word), frame_score))
        return heard

    def _line_grammar(self, name: str, words: list[str], span: tuple[int, int] | None = None) -> Any:
        """A finite-state grammar of the line: state i → i+1 by word i (p = P_WORD), by any phone
        (a substitution, P_SUBSTITUTE) or by nothing (an omission, P_OMIT); every state loops on any
        phone (an insertion, P_INSERT). Expecting the line in order keeps recognition of a correct
        take accurate (a loop of free words confused short words on 38 of 45 correct takes), while the
        phone loop lets a replaced or added word show up whatever it is.

        With `span` = (first, last), only the words first..last get the phone and omission arcs, and
        only the states around them the phone loops: the other words are expected as they are, which
        the search follows at the cost of an alignment (the phone loop is most of recognition's CPU)."""
        from pocketsphinx import FsgModel

        logmath = self._recognise.logmath
        n = len(words)
        lo, hi = span if span is not None else (0, n - 1)
        fsg = FsgModel(name, logmath, 1.0, n + 1)
        fsg.set_start_state(0)
        fsg.set_final_state(n)
        phone_ids = [fsg.word_add(_PHONE_PREFIX + p.lower()) for p in PHONES]
        sub = logmath.log(P_SUBSTITUTE / len(PHONES))
        ins = logmath.log(P_INSERT / len(PHONES))
        for i, w in enumerate(words):
            fsg.trans_add(i, i + 1, logmath.log(P_WORD), fsg.word_add(w))
            if lo <= i <= hi:
                fsg.null_trans_add(i, i + 1, logmath.log(P_OMIT))
                for wid in phone_ids:
                    fsg.trans_add(i, i + 1, sub, wid)
        for i in range(lo, hi + 2):
            for wid in phone_ids:
                fsg.trans_add(i, i, ins, wid)
        fsg.add_silence("<sil>", -1, 0.1)
        return fsg


DITHER_RMS = 3e-4  # about -70 dBFS: below any real microphone's noise floor


def _pcm16(x: np.ndarray) -> bytes:
    """16-bit PCM for the decoder, with a fixed, seeded dither.

    A lossless take of exact digital silence (synthesised or gated audio) gives the front end
    log-energy floors the acoustic model never saw, while a lossy codec leaves a faint noise floor;
    without the dither the same take scored up to 15 pronunciation points apart as WAV and as Opus.
    The seed keeps every result reproducible.
    """
    pcm: bytes = (np.clip(x + _dither(len(x)), -1, 1) * 32767).astype(np.int16).tobytes()
    return pcm


_DITHER = np.zeros(0)


def _dither(n: int) -> np.ndarray:
    """The first n samples of the seeded dither (the generator's output does not depend on how many are
    drawn: a prefix of a longer draw is the same), drawn once per worker and grown as takes need."""
    global _DITHER
    if len(_DITHER) < n:
        _DITHER = np.random.default_rng(0).standard_normal(n) * DITHER_RMS
    return _DITHER[:n]


def _decode_utterance(decoder: Any, pcm: bytes) -> None:
    """Decode one whole utterance from a clean front end.

    pocketsphinx's feature extraction carries state from one utterance into the next, so without
    the reset a take's alignment depended on which audio the worker had decoded before it (the same
    take scored 81.7 or 85.1). `reinit_feat` costs ~0.03 ms and makes every result order-independent.
    """
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()


def _align_once(
    decoder: Any, pcm: bytes, words: list[str], offset: float, voiced: tuple[float, float]
) -> Alignment | None:
    try:
        decoder.set_align_text(" ".join(words))
        _decode_utterance(decoder, pcm)
        if decoder.hyp() is None:
            return None
        decoder.set_alignment()
        _decode_utterance(decoder, pcm)
        raw = decoder.get_alignment()
    except RuntimeError:
        return None
    if raw is None:
        return None
    aligned: list[AlignedWord] = []
    pauses: list[tuple[float, float]] = []
    for entry in raw:
        name = re.sub(r"\(\d+\)$", "", entry.name)
        start = offset + entry.start * FRAME_SECONDS
        end = offset + (entry.start + entry.duration) * FRAME_SECONDS
        if name.startswith(("<", "[", "+")):
            if aligned:
                pauses.append((start, end))
            continue
        frames = max(1, int(entry.duration))
        aligned.append(AlignedWord(len(aligned), name, start, end, float(entry.score) / frames))
    if len(aligned) != len(words):
        return None
    # drop the trailing silence (it follows the last word)
    pauses = [p for p in pauses if p[1] <= aligned[-1].start + 1e-6]
    return Alignment(words=tuple(aligned), pauses=tuple(pauses), voiced=voiced)


def unaligned_speech(
    alignment: Alignment, speech: np.ndarray, besides: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Share of the take's speech frames that no word of the line was aligned to, and the longest
    stretch of them in seconds (only those outside the span `besides` when given).

    Forced alignment always places the line's words somewhere; when the take is a different sentence it
    squeezes them into a few stretches and leaves the rest of the speech to its silence model. Good,
    slow and dropped-word takes leave at most ~12 % of their speech unaligned, other sentences 40-54 %.
    """
    if not len(speech) or not speech.any():
        return 0.0, 0.0
    centres = np.arange(len(speech)) * FRAME_SECONDS + 0.0125  # 25 ms windows every 10 ms
    covered = np.zeros(len(speech), bool)
    for w in alignment.words:
        covered |= (centres >= w.start) & (centres < w.end)
    outside = speech & ~covered
    if besides is not None:
        outside &= (centres < besides[0]) | (centres >= besides[1])
    longest = 0
    if outside.any():
        edges = np.flatnonzero(np.diff(np.concatenate(([0], outside.astype(np.int8), [0]))))
        longest = int(np.max(edges[1::2] - edges[::2]))
    return float(np.sum(outside) / np.sum(speech)), longest * FRAME_SECONDS
