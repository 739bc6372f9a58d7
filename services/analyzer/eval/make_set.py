"""Generate the analyzer's labelled evaluation set (synthetic TTS), committed under eval/data/.

Needs, at generation time only (``make eval`` does not): ``apt-get install -y espeak-ng flite festival sox``
and the workspace venv (numpy, praat-parselmouth, av).

    .venv/bin/python services/analyzer/eval/make_set.py [--out services/analyzer/eval/data]

Voices the tests don't use (tests use espeak-ng en-us+f3 / en-us+m3):
- the actor: flite ``slt`` (US female);
- the users: flite ``rms`` (US male), flite ``awb`` (Scottish male), festival ``kal_diphone`` (US male),
  rotating per line (the line's "user"; "other" is the next user voice).

Per line, Ogg/Opus at 16 kbit/s (16 kHz mono before encoding), with its label in ``labels.json``:
good, other (another voice), slow (×1.6 by PSOLA), drop1/drop2/drop3 (words left out of the text),
sub1/sub2 (one/two words replaced), insert (words added), wrong (another line's text),
trunc50/75/90 (the good take cut at that share of its speech span), noise10/15/20 (white noise at that
SNR against the speech power), monotone (the good take resynthesised on a flat pitch), imitation (the
actor's own reading resynthesised as another speaker: formants ×0.85, median pitch 110 Hz, same melody
and timing) and self (the actor's reference itself).
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import parselmouth
from parselmouth.praat import call

RATE = 16_000
BIT_RATE = 16_000

LINES: list[dict[str, Any]] = [
    {
        "id": "friends",
        "text": "Keep your friends close but your enemies closer",
        "drop": [[2], [2, 6], [1, 2, 6]],
        "sub": [{2: "family"}, {2: "family", 6: "rivals"}],
        "insert": {2: "good", 6: "old"},
    },
    {
        "id": "boat",
        "text": "You're going to need a bigger boat",
        "drop": [[5], [3, 5], [1, 3, 5]],
        "sub": [{5: "smaller"}, {3: "want", 6: "car"}],
        "insert": {1: "really", 5: "much"},
    },
    {
        "id": "home",
        "text": "There's no place like home",
        "drop": [[2], [1, 2], [0, 1, 2]],
        "sub": [{4: "school"}, {2: "room", 4: "school"}],
        "insert": {0: "well", 4: "my"},
    },
    {
        "id": "napalm",
        "text": "I love the smell of napalm in the morning",
        "drop": [[1], [1, 6], [1, 3, 6]],
        "sub": [{3: "sound"}, {3: "sound", 8: "evening"}],
        "insert": {1: "really", 8: "early"},
    },
    {
        "id": "chocolates",
        "text": "Life is like a box of chocolates you never know what you will get",
        "drop": [[2], [2, 8], [2, 8, 12]],
        "sub": [{6: "cookies"}, {4: "bag", 6: "cookies"}],
        "insert": {4: "big", 9: "really"},
    },
]
USERS = ["flite:rms", "flite:awb", "festival:kal"]
ACTOR = "flite:slt"
MIN_COMPLETENESS = 0.6  # the analyzer's rule: fewer of the line's words spoken → re-record


def speak(text: str, voice: str) -> np.ndarray:
    engine, name = voice.split(":")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        if engine == "flite":
            subprocess.run(["flite", "-voice", name, "-t", text, "-o", str(wav)], check=True)
        elif engine == "festival":
            subprocess.run(
                ["text2wave", "-eval", f"(voice_{name}_diphone)", "-o", str(wav)], input=text.encode(), check=True
            )
        else:
            subprocess.run(["espeak-ng", "-v", name, "-w", str(wav), text], check=True)
        return pad(load(wav.read_bytes()))


def load(data: bytes) -> np.ndarray:
    with av.open(io.BytesIO(data)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [g.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for g in resampler.resample(frame)]
        parts += [g.to_ndarray().reshape(-1) for g in resampler.resample(None)]
    x = np.concatenate(parts).astype(np.float32)
    return x / max(1e-6, float(np.max(np.abs(x)))) * 0.7


def pad(x: np.ndarray, lead: float = 0.3, tail: float = 0.4) -> np.ndarray:
    edges = np.flatnonzero(np.abs(x) > 0.01)
    if len(edges):
        x = x[edges[0] : edges[-1] + 1]
    return np.concatenate([np.zeros(int(lead * RATE), np.float32), x, np.zeros(int(tail * RATE), np.float32)])


def sound(x: np.ndarray) -> parselmouth.Sound:
    return parselmouth.Sound(x.astype(np.float64), sampling_frequency=RATE)


def monotone(x: np.ndarray) -> np.ndarray:
    s = sound(x)
    manipulation = call(s, "To Manipulation", 0.01, 60, 400)
    values = s.to_pitch_ac(time_step=0.01, pitch_floor=60, pitch_ceiling=400).selected_array["frequency"]
    median = float(np.median(values[values > 0]))
    tier = call("Create PitchTier", "flat", 0.0, s.duration)
    call(tier, "Add point", 0.0, median)
    call(tier, "Add point", s.duration, median)
    call([tier, manipulation], "Replace pitch tier")
    return np.asarray(call(manipulation, "Get resynthesis (overlap-add)").values[0], dtype=np.float32)


def slow(x: np.ndarray, factor: float = 1.6) -> np.ndarray:
    out = call(sound(x), "Lengthen (overlap-add)", 60, 400, factor)
    return np.asarray(out.values[0], dtype=np.float32)


def other_speaker(x: np.ndarray) -> np.ndarray:
    out = call(sound(x), "Change gender", 75, 600, 0.85, 110, 1.0, 1.0)
    return np.asarray(out.values[0], dtype=np.float32)


def truncate(x: np.ndarray, share: float) -> np.ndarray:
    edges = np.flatnonzero(np.abs(x) > 0.01)
    cut = int(edges[0] + share * (edges[-1] - edges[0]))
    return np.concatenate([x[:cut], np.zeros(int(0.4 * RATE), np.float32)])


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    power = float(np.mean(x[np.abs(x) > 1e-3] ** 2))
    return np.clip(x + rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(x)), -1, 1).astype(np.float32)


def encode_opus(x: np.ndarray) -> bytes:
    """Ogg/Opus at 16 kbit/s with PyAV (Opus runs at 48 kHz)."""
    rate = 48_000
    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=rate, layout="mono")  # type: ignore[call-overload]
        stream.bit_rate = BIT_RATE
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(
            (np.clip(x, -1, 1) * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = RATE
        frame.time_base = Fraction(1, RATE)
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


def label_truncations(out: Path) -> None:
    """Ground truth for the truncated takes: how many of the line's words end (at least half of them)
    before the cut, from the forced alignment of the untruncated good take."""
    from yousync_analyzer.pipeline import aligner
    from yousync_analyzer.pronunciation import normalize

    labels = json.loads((out / "labels.json").read_text())
    lines = {line["id"]: line for line in labels["lines"]}
    for take in labels["takes"]:
        if not take["kind"].startswith("trunc"):
            continue
        x = load((out / take["line"] / "good.ogg").read_bytes())
        edges = np.flatnonzero(np.abs(x) > 0.01)
        cut = (edges[0] + take["share"] * (edges[-1] - edges[0])) / RATE
        alignment = aligner().align(x, normalize(lines[take["line"]]["text"]), (edges[0] / RATE, edges[-1] / RATE))
        assert alignment is not None, take
        take["spoken_words"] = int(sum((w.start + w.end) / 2 <= cut for w in alignment.words))
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--labels-only", action="store_true", help="only recompute the truncation labels")
    args = parser.parse_args()
    if args.labels_only:
        label_truncations(args.out)
        return
    for tool in ("flite", "text2wave"):
        if shutil.which(tool) is None:
            raise SystemExit("flite and festival are needed: apt-get install -y espeak-ng flite festival sox")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(12)
    labels: dict[str, Any] = {"actor": ACTOR, "users": USERS, "lines": [], "takes": []}
    for n, line in enumerate(LINES):
        words = line["text"].split()
        user, other = USERS[n % len(USERS)], USERS[(n + 1) % len(USERS)]
        d = out / line["id"]
        d.mkdir(exist_ok=True)
        reference = speak(line["text"], ACTOR)
        good = speak(line["text"], user)
        takes: dict[str, tuple[np.ndarray, dict[str, Any]]] = {
            "good": (good, {"voice": user}),
            "other": (speak(line["text"], other), {"voice": other}),
            "slow": (slow(good), {}),
            "monotone": (monotone(good), {}),
            "imitation": (other_speaker(reference), {"voice": ACTOR + "+change-gender"}),
            "self": (reference, {"voice": ACTOR}),
            "wrong": (speak(LINES[(n + 1) % len(LINES)]["text"], user), {"said": LINES[(n + 1) % len(LINES)]["text"]}),
        }
        for k, drop in enumerate(line["drop"], start=1):
            said = " ".join(w for i, w in enumerate(words) if i not in drop)
            takes[f"drop{k}"] = (speak(said, user), {"dropped": drop, "said": said})
        for k, sub in enumerate(line["sub"], start=1):
            said = " ".join(sub.get(i, w) for i, w in enumerate(words))
            takes[f"sub{k}"] = (speak(said, user), {"substituted": sorted(sub), "said": said})
        said = " ".join(f"{line['insert'][i]} {w}" if i in line["insert"] else w for i, w in enumerate(words))
        takes["insert"] = (speak(said, user), {"inserted": len(line["insert"]), "said": said})
        for share in (50, 75, 90):
            takes[f"trunc{share}"] = (truncate(good, share / 100), {"share": share / 100})
        for snr in (10, 15, 20):
            takes[f"noise{snr}"] = (add_noise(good, snr, rng), {"snr_db": snr})
        (d / "reference.ogg").write_bytes(encode_opus(reference))
        for kind, (x, meta) in takes.items():
            (d / f"{kind}.ogg").write_bytes(encode_opus(x))
            labels["takes"].append({"line": line["id"], "kind": kind, **meta})
        labels["lines"].append({"id": line["id"], "text": line["text"], "user": user, "other": other})
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    label_truncations(out)


if __name__ == "__main__":
    main()
