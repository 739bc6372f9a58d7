"""The analyzer's evaluation harness: scores the labelled synthetic set and prints the figures.

    make eval        # or: .venv/bin/python services/analyzer/eval/run.py [--json-only]

Reads the committed audio under eval/data (made by make_set.py; no TTS needed here), runs the analysis
pipeline in this process (warm decoders, each reference analysed once) and prints one row per take,
then the figures and their goals, and last one JSON line with the figures.

Figures:
- ranking_violations: per line, good > drop1 > drop2 > drop3 > wrong on pronunciation, completeness
  and overall (a re-record counts 0; two re-records tie without a violation); monotone < good on
  expressiveness; imitation highest on intonation.
- verdict_accuracy: share of takes whose verdict (and re-record reason) matches the label.
- substitutions_caught: share of substituted words flagged (word status not OK, or a substitution
  miscue at that index).
- false_miscues_per_correct_take: miscues reported on takes whose words are all right (good, other,
  slow, monotone, imitation, self, noise20).
- format_spread: largest |overall − overall of the WAV| over the good take re-encoded as WebM/Opus,
  Ogg/Opus, MP3, M4A/AAC and FLAC.
- cpu_s_per_audio_s: process CPU seconds per second of take audio.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from yousync_analyzer import pipeline
from yousync_analyzer.audio.decode import as_array, decode
from yousync_analyzer.domain import AnalysisResult, ReferenceSpec, RerecordReason, Verdict, WordStatus
from yousync_analyzer.scoring import Scorers

DATA = Path(__file__).parent / "data"
GOALS = {
    "ranking_violations": ("==", 0),
    "verdict_accuracy": (">=", 0.95),
    "substitutions_caught": (">=", 0.95),
    "false_miscues_per_correct_take": ("<=", 1.0),
    "format_spread": ("<=", 3.0),
    "cpu_s_per_audio_s": ("<=", 0.10),
}
CORRECT = ("good", "other", "slow", "monotone", "imitation", "self", "noise20")
MIN_COMPLETENESS = 0.6
FORMATS = [("webm", "libopus", 32_000), ("ogg", "libopus", 32_000), ("mp3", "libmp3lame", 48_000),
           ("mp4", "aac", 48_000), ("flac", "flac", 0), ("wav", "pcm_s16le", 0)]  # fmt: skip


def expected(take: dict[str, Any], n_words: int) -> set[tuple[Verdict, RerecordReason]]:
    """The verdicts a correct analyzer may give this take."""
    scored = {(Verdict.SCORED, RerecordReason.UNSPECIFIED)}
    incomplete = {(Verdict.RERECORD, RerecordReason.WRONG_OR_INCOMPLETE_LINE)}
    noisy = {(Verdict.RERECORD, RerecordReason.TOO_NOISY)}
    kind = take["kind"]
    if kind == "wrong":
        return incomplete
    if kind.startswith("drop"):
        return scored if (n_words - len(take["dropped"])) / n_words >= MIN_COMPLETENESS else incomplete
    if kind.startswith("trunc"):
        # ground truth: the words ending before the cut in the untruncated take (make_set.py)
        return scored if take["spoken_words"] / n_words >= MIN_COMPLETENESS else incomplete
    if kind in ("noise10", "noise15"):
        # white noise at 10-15 dB SNR (against the speech power): intelligible speech; the quality gate
        # may send it back as too noisy (its SNR estimate differs from the generator's), or score it
        return scored | noisy
    return scored


@dataclass
class Run:
    results: dict[tuple[str, str], AnalysisResult]
    cpu: float
    audio: float


def analyse(lines: dict[str, dict[str, Any]], takes: list[dict[str, Any]], extra: dict[tuple[str, str], bytes]) -> Run:
    scorers = Scorers()
    pipeline.aligner()
    refs = {
        lid: pipeline.analyze_reference(
            (DATA / lid / "reference.ogg").read_bytes(), ReferenceSpec(lid, line["text"]), 60
        )
        for lid, line in lines.items()
    }
    results: dict[tuple[str, str], AnalysisResult] = {}
    cpu = audio = 0.0
    jobs = [((t["line"], t["kind"]), (DATA / t["line"] / f"{t['kind']}.ogg").read_bytes()) for t in takes]
    jobs += list(extra.items())
    for (lid, kind), data in jobs:
        t0 = time.process_time()
        results[(lid, kind)] = score(data, lines[lid]["text"], refs[lid], scorers)
        cpu += time.process_time() - t0
        audio += results[(lid, kind)].quality.duration
    return Run(results, cpu, audio)


def score(data: bytes, text: str, ref: Any, scorers: Scorers) -> AnalysisResult:
    state = pipeline.check_quality(pipeline.decode_take(data, text, 60))
    if state.rerecord is not None:
        return pipeline.rerecord(state, state.rerecord)
    state = pipeline.recognise_take(pipeline.align_take(state))
    if state.rerecord is not None:
        return pipeline.rerecord(state, state.rerecord)
    return pipeline.score_take(pipeline.score_pitch(state, ref, scorers), ref, scorers)


def encode(x: np.ndarray, container: str, codec: str, bit_rate: int) -> bytes:
    rate = 48_000 if codec == "libopus" else 16_000
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")  # type: ignore[call-overload]
        if bit_rate:
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(
            (np.clip(x, -1, 1) * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = 16_000
        frame.time_base = Fraction(1, 16_000)
        frame.pts = 0
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for i in range(0, resampled.samples, 960):
                sub = av.AudioFrame.from_ndarray(
                    resampled.to_ndarray()[:, i : i + 960], format=stream.format.name, layout="mono"
                )
                sub.sample_rate = rate
                sub.time_base = Fraction(1, rate)
                sub.pts = None
                for packet in stream.encode(sub):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def completeness(r: AnalysisResult) -> float:
    return r.scores.completeness if r.verdict is Verdict.SCORED else 0.0


def figures(
    lines: dict[str, dict[str, Any]], takes: list[dict[str, Any]], run: Run
) -> tuple[dict[str, Any], list[str]]:
    res = run.results
    problems: list[str] = []
    violations = 0

    def value(r: AnalysisResult, axis: str) -> float:
        if r.verdict is not Verdict.SCORED:
            return 0.0
        return float(getattr(r.scores, axis))

    for lid in lines:
        order = [k for k in ("good", "drop1", "drop2", "drop3", "wrong")]
        for axis in ("pronunciation", "completeness", "overall"):
            vals = [value(res[(lid, k)], axis) for k in order]
            pairs = list(zip(order, vals, strict=True))
            for (ka, a), (kb, b) in itertools.pairwise(pairs):
                if not (a > b or a == b == 0.0):
                    violations += 1
                    problems.append(f"{lid}: {ka} {a:.1f} !> {kb} {b:.1f} on {axis}")
        good, mono, imit = res[(lid, "good")], res[(lid, "monotone")], res[(lid, "imitation")]
        if not value(mono, "expressiveness") < value(good, "expressiveness"):
            violations += 1
            problems.append(
                f"{lid}: monotone {value(mono, 'expressiveness'):.1f} !< good "
                f"{value(good, 'expressiveness'):.1f} on expressiveness"
            )
        best_other = max(value(res[(lid, k)], "intonation") for k in ("good", "other", "slow", "monotone"))
        if not value(imit, "intonation") > best_other:
            violations += 1
            problems.append(f"{lid}: imitation {value(imit, 'intonation'):.1f} !> {best_other:.1f} on intonation")
    right = 0
    for t in takes:
        r = res[(t["line"], t["kind"])]
        ok = (r.verdict, r.rerecord_reason) in expected(t, len(lines[t["line"]]["text"].split()))
        right += ok
        if not ok:
            problems.append(f"{t['line']}/{t['kind']}: verdict {r.verdict.name} {r.rerecord_reason.name}")
    subs = caught = 0
    for t in takes:
        if t["kind"].startswith("sub"):
            r = res[(t["line"], t["kind"])]
            for i in t["substituted"]:
                subs += 1
                flagged = any(w.index == i and w.status is not WordStatus.OK for w in r.words) or any(
                    m.word_index == i for m in r.miscues
                )
                caught += flagged
                if not flagged:
                    problems.append(f"{t['line']}/{t['kind']}: substituted word {i} not flagged")
    correct = [t for t in takes if t["kind"] in CORRECT]
    false = sum(len(res[(t["line"], t["kind"])].miscues) for t in correct)
    for t in correct:
        for m in res[(t["line"], t["kind"])].miscues:
            problems.append(f"{t['line']}/{t['kind']}: false miscue {m.type.name} {m.expected!r}->{m.recognized!r}")
    spread = 0.0
    for lid in lines:
        wav = res[(lid, "fmt-wav")].scores.overall
        for fmt, *_ in FORMATS:
            spread = max(spread, abs(res[(lid, f"fmt-{fmt}")].scores.overall - wav))
    out = {
        "takes": len(takes),
        "ranking_violations": violations,
        "verdict_accuracy": round(right / len(takes), 4),
        "substitutions_caught": round(caught / subs, 4) if subs else 1.0,
        "false_miscues_per_correct_take": round(false / len(correct), 3),
        "format_spread": round(spread, 2),
        "cpu_s_per_audio_s": round(run.cpu / run.audio, 4),
    }
    return out, problems


def main() -> None:
    parser = argparse.ArgumentParser(description="Analyzer evaluation harness")
    parser.add_argument("--json-only", action="store_true")
    args = parser.parse_args()
    labels = json.loads((DATA / "labels.json").read_text())
    lines = {line["id"]: line for line in labels["lines"]}
    takes = labels["takes"]
    extra: dict[tuple[str, str], bytes] = {}
    for lid in lines:
        x = as_array(decode((DATA / lid / "good.ogg").read_bytes(), 60))
        for fmt, codec, rate in FORMATS:
            extra[(lid, f"fmt-{fmt}")] = encode(x, fmt, codec, rate)
    run = analyse(lines, takes, extra)
    out, problems = figures(lines, takes, run)
    if not args.json_only:
        head = ("pron", "comp", "inton", "expr", "timing", "overall")
        print(f"{'line':<11}{'take':<10}{'verdict':<26}" + "".join(f"{h:>8}" for h in head) + "  flagged / miscues")
        for (lid, kind), r in run.results.items():
            verdict = r.verdict.name if r.verdict is Verdict.SCORED else f"RERECORD {r.rerecord_reason.name[:16]}"
            s = r.scores
            flagged = ",".join(f"{w.index}{w.status.name[0]}" for w in r.words if w.status is not WordStatus.OK)
            mis = ",".join(f"{m.type.name[:3]}:{m.expected or '-'}>{m.recognized or '-'}" for m in r.miscues)
            values = (s.pronunciation, s.completeness, s.intonation, s.expressiveness, s.timing, s.overall)
            print(f"{lid:<11}{kind:<10}{verdict:<26}" + "".join(f"{v:>8.2f}" for v in values) + f"  {flagged} / {mis}")
        print()
        for p in problems:
            print("  -", p)
        print()
        for k, (op, goal) in GOALS.items():
            v = out[k]
            met = {"==": v == goal, ">=": v >= goal, "<=": v <= goal}[op]
            print(f"{k:<32}{v:>10}   goal {op} {goal}   {'ok' if met else 'MISSED'}")
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
