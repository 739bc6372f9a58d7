"""Generate the analyzer's synthetic test takes (TTS), committed under tests/analyzer/fixtures/.

Needs, at development time only: `espeak-ng` on the PATH (`apt-get install espeak-ng`) and the
workspace venv (numpy, praat-parselmouth, av). Tests never run this script; they read its output.

    .venv/bin/python services/analyzer/scripts/make_fixtures.py [--out tests/analyzer/fixtures]

Every file is synthetic: the "actor" is one espeak-ng voice, the "user" another (different variant,
speed and pitch), so that nothing is scored against itself. For each line we write:

- ``<line>/reference.opus.ogg``: the actor's reading (the reference audio);
- ``<line>/good.wav``: the user's reading, 16 kHz mono PCM (the baseline);
- ``<line>/good.{webm,ogg,mp3,m4a,flac}``: the same take encoded as a browser or phone would;
- ``<line>/slow.opus.ogg``: read at about 60 % of the speed;
- ``<line>/dropped.opus.ogg``: two words of the line left out (listed in ``manifest.json``);
- ``<line>/wrong.opus.ogg``: a different sentence (the next line's text);
- ``<line>/monotone.opus.ogg``: the good take resynthesised (PSOLA) on a flat pitch;
- ``<line>/noisy.opus.ogg``: the good take with white noise at about 3 dB SNR.

and once: ``silence.opus.ogg`` (near-digital silence) and ``noise.opus.ogg`` (white noise only).
Variants are Ogg/Opus at 32 kbit/s to keep the committed files small (about 1 MB in all).
``manifest.json`` lists the lines, their text and the dropped words.
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
ACTOR_VOICE = ["-v", "en-us+f3", "-s", "145", "-p", "65"]
USER_VOICE = ["-v", "en-us+m3", "-s", "165", "-p", "40"]
USER_SLOW = ["-v", "en-us+m3", "-s", "100", "-p", "40"]

LINES: list[dict[str, Any]] = [
    {"id": "frankly", "text": "Frankly my dear I don't give a damn", "drop": [2, 5]},
    {"id": "force", "text": "May the force be with you", "drop": [2, 4]},
    {"id": "offer", "text": "I'm going to make him an offer he can't refuse", "drop": [3, 6]},
    {"id": "houston", "text": "Houston we have a problem", "drop": [1, 4]},
]


def speak(text: str, voice: list[str]) -> np.ndarray:
    """Synthesise `text` with espeak-ng and return 16 kHz mono float32."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", *voice, "-w", str(wav), text], check=True)
        return load(wav.read_bytes())


def load(data: bytes) -> np.ndarray:
    with av.open(io.BytesIO(data)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        parts = [g.to_ndarray().reshape(-1) for frame in container.decode(audio=0) for g in resampler.resample(frame)]
        parts += [g.to_ndarray().reshape(-1) for g in resampler.resample(None)]
    return np.concatenate(parts).astype(np.float32)


def pad(x: np.ndarray, lead: float = 0.3, tail: float = 0.4) -> np.ndarray:
    """Add the silence a real recording has around speech (espeak trims it)."""
    return np.concatenate([np.zeros(int(lead * RATE), np.float32), x, np.zeros(int(tail * RATE), np.float32)])


def monotone(x: np.ndarray) -> np.ndarray:
    """Resynthesise on a flat pitch (Praat manipulation, overlap-add)."""
    sound = parselmouth.Sound(x.astype(np.float64), sampling_frequency=RATE)
    manipulation = call(sound, "To Manipulation", 0.01, 60, 400)
    pitch = sound.to_pitch_ac(time_step=0.01, pitch_floor=60, pitch_ceiling=400)
    values = pitch.selected_array["frequency"]
    median = float(np.median(values[values > 0]))
    tier = call("Create PitchTier", "flat", 0.0, sound.duration)
    call(tier, "Add point", 0.0, median)
    call(tier, "Add point", sound.duration, median)
    call([tier, manipulation], "Replace pitch tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    return np.asarray(out.values[0], dtype=np.float32)


def add_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    speech = x[np.abs(x) > 1e-3]
    power = float(np.mean(speech**2))
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), len(x))
    return np.clip(x + noise, -1, 1).astype(np.float32)


# (container format, codec, file suffix, bit rate)
ENCODINGS = [
    ("webm", "libopus", "webm", 32_000),
    ("ogg", "libopus", "ogg", 32_000),
    ("mp3", "libmp3lame", "mp3", 48_000),
    ("mp4", "aac", "m4a", 48_000),
    ("flac", "flac", "flac", 0),
    ("wav", "pcm_s16le", "wav", 0),
]


def encode(x: np.ndarray, container_format: str, codec: str, bit_rate: int) -> bytes:
    """Encode 16 kHz mono float32 with PyAV (Opus needs 48 kHz, so resample for it)."""
    rate = 48_000 if codec == "libopus" else RATE
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")  # type: ignore[call-overload]
        if bit_rate:
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.time_base = Fraction(1, RATE)
        frame.pts = 0
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for i in range(0, resampled.samples, 960):
                # feed codec-sized frames; the encoder buffers as it needs
                chunk = resampled.to_ndarray()[:, i : i + 960]
                sub = av.AudioFrame.from_ndarray(chunk, format=stream.format.name, layout="mono")
                sub.sample_rate = rate
                sub.time_base = Fraction(1, rate)
                sub.pts = None
                for packet in stream.encode(sub):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def write(path: Path, x: np.ndarray, suffix: str) -> None:
    fmt = ENCODINGS[1] if suffix == "opus.ogg" else next(e for e in ENCODINGS if e[2] == suffix)
    path.with_name(f"{path.name}.{suffix}").write_bytes(encode(x, fmt[0], fmt[1], fmt[3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("tests/analyzer/fixtures"))
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed: apt-get install espeak-ng")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    manifest: dict[str, Any] = {"rate": RATE, "synthetic": True, "lines": []}
    for n, line in enumerate(LINES):
        wrong_text = LINES[(n + 1) % len(LINES)]["text"]
        words = line["text"].split()
        dropped = [words[i] for i in line["drop"]]
        kept = " ".join(w for i, w in enumerate(words) if i not in line["drop"])
        d = out / line["id"]
        d.mkdir(exist_ok=True)
        good = pad(speak(line["text"], USER_VOICE))
        write(d / "reference", pad(speak(line["text"], ACTOR_VOICE)), "opus.ogg")
        for _, _, suffix, _ in ENCODINGS:
            write(d / "good", good, suffix)
        write(d / "slow", pad(speak(line["text"], USER_SLOW)), "opus.ogg")
        write(d / "dropped", pad(speak(kept, USER_VOICE)), "opus.ogg")
        write(d / "wrong", pad(speak(wrong_text, USER_VOICE)), "opus.ogg")
        write(d / "monotone", monotone(good), "opus.ogg")
        write(d / "noisy", add_noise(good, 3.0, rng), "opus.ogg")
        manifest["lines"].append(
            {
                "id": line["id"],
                "text": line["text"],
                "wrong_text": wrong_text,
                "dropped_words": dropped,
                "dropped_indexes": line["drop"],
            }
        )
    write(out / "silence", rng.normal(0, 1e-4, 2 * RATE).astype(np.float32), "opus.ogg")
    write(out / "noise", rng.normal(0, 0.1, 2 * RATE).astype(np.float32), "opus.ogg")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
