"""Generate the demo catalog (services/catalog/demo): three public-domain Shakespeare scenes.

Reference audio is SYNTHETIC: spoken by espeak-ng (a formant TTS), encoded as Ogg/Opus with PyAV.
Word timings are estimates: each word is synthesized alone to get its relative length, and the
line's voiced span is divided in those proportions. Dev-time only (needs `apt-get install
espeak-ng`); the generated files are committed, and tests never run this.

Usage: python services/catalog/scripts/make_demo_catalog.py [OUT_DIR]
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import yaml

OUT = Path(__file__).resolve().parent.parent / "demo"
RATE = 24_000  # Opus supports 8/12/16/24/48 kHz
GAP = 0.4  # seconds of silence between lines on the scene timeline

ACTORS = [
    {"id": "hamlet", "name": "Hamlet", "aliases": ["Prince Hamlet"], "voice": "en-gb", "pitch": 40},
    {"id": "ophelia", "name": "Ophelia", "aliases": [], "voice": "en-gb+f3", "pitch": 60},
    {"id": "romeo", "name": "Romeo", "aliases": ["Romeo Montague"], "voice": "en-us", "pitch": 45},
    {"id": "juliet", "name": "Juliet", "aliases": ["Juliet Capulet"], "voice": "en-us+f2", "pitch": 65},
    {"id": "macbeth", "name": "Macbeth", "aliases": ["Thane of Cawdor"], "voice": "en-gb-scotland", "pitch": 30},
    {"id": "lady-macbeth", "name": "Lady Macbeth", "aliases": [], "voice": "en-gb-scotland+f4", "pitch": 55},
]

SCENES = [
    {
        "id": "hamlet-3-1",
        "title": "To be, or not to be",
        "work_title": "Hamlet (Act 3, Scene 1)",
        "kind": "stage_play",
        "category": "드라마",
        "lines": [
            ("hamlet", "To be, or not to be, that is the question.", "사느냐 죽느냐, 그것이 문제로다."),
            (
                "hamlet",
                "Whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune.",
                "가혹한 운명의 돌팔매와 화살을 마음속으로 견디는 것이 더 고귀한가.",
            ),
            ("ophelia", "Good my lord, how does your honour for this many a day?", "저하, 그간 어찌 지내셨습니까?"),
            ("hamlet", "I humbly thank you; well, well, well.", "고맙소. 잘, 잘, 잘 지냈소."),
        ],
    },
    {
        "id": "romeo-juliet-2-2",
        "title": "But, soft! what light through yonder window breaks?",
        "work_title": "Romeo and Juliet (Act 2, Scene 2)",
        "kind": "stage_play",
        "category": "로맨스",
        "lines": [
            (
                "romeo",
                "But, soft! what light through yonder window breaks?",
                "쉿! 저 창문 너머로 비치는 빛은 무엇인가?",
            ),
            ("romeo", "It is the east, and Juliet is the sun.", "저곳은 동쪽이고, 줄리엣은 태양이로다."),
            ("juliet", "O Romeo, Romeo! wherefore art thou Romeo?", "오 로미오, 로미오! 당신은 왜 로미오인가요?"),
            ("juliet", "Deny thy father and refuse thy name.", "아버지를 부정하고 당신의 이름을 버리세요."),
            ("romeo", "Shall I hear more, or shall I speak at this?", "더 들을까, 아니면 지금 말을 할까?"),
        ],
    },
    {
        "id": "macbeth-1-7",
        "title": "We will proceed no further in this business",
        "work_title": "Macbeth (Act 1, Scene 7)",
        "kind": "stage_play",
        "category": "드라마",
        "lines": [
            ("macbeth", "We will proceed no further in this business.", "우리는 이 일을 더 이상 진행하지 않겠소."),
            (
                "lady-macbeth",
                "Was the hope drunk wherein you dressed yourself?",
                "당신이 걸쳤던 그 희망은 취해 있었나요?",
            ),
            ("macbeth", "If we should fail?", "만약 실패한다면?"),
            (
                "lady-macbeth",
                "We fail! But screw your courage to the sticking-place, and we'll not fail.",
                "실패라니요! 용기를 끝까지 조이기만 하면 실패하지 않아요.",
            ),
        ],
    },
]


def speak(text: str, voice: str, pitch: int) -> np.ndarray:
    """espeak-ng's WAV (mono 16-bit, 22050 Hz) as float samples at RATE."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as out:
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", "150", "-w", out.name, text], check=True)
        with wave.open(out.name) as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    # Linear resampling is plenty for a synthetic demo voice.
    positions = np.arange(0, len(samples) * RATE / rate) * rate / RATE
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def voiced_span(samples: np.ndarray, threshold: float = 0.01) -> tuple[float, float]:
    loud = np.nonzero(np.abs(samples) > threshold)[0]
    if not len(loud):
        return 0.0, len(samples) / RATE
    return loud[0] / RATE, (loud[-1] + 1) / RATE


def encode_opus(samples: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=RATE)
        stream.bit_rate = 24_000
        stream.layout = "mono"
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
        frame_size = 960
        for offset in range(0, len(pcm), frame_size):
            chunk = pcm[offset : offset + frame_size]
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = offset
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def word_timings(text: str, samples: np.ndarray, voice: str, pitch: int) -> list[dict[str, object]]:
    words = text.split()
    weights = []
    for word in words:
        start, end = voiced_span(speak(word, voice, pitch))
        weights.append(max(end - start, 0.05))
    begin, finish = voiced_span(samples)
    scale = (finish - begin) / sum(weights)
    timings, cursor = [], begin
    for word, weight in zip(words, weights, strict=True):
        end = cursor + weight * scale
        timings.append({"word": word.strip(",.!?;:'"), "start": round(float(cursor), 3), "end": round(float(end), 3)})
        cursor = end
    return timings


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    (out / "audio").mkdir(parents=True, exist_ok=True)
    voices = {a["id"]: (str(a["voice"]), int(a["pitch"])) for a in ACTORS}  # type: ignore[call-overload]
    scripts = []
    for scene in SCENES:
        cursor = 0.0
        tokens = []
        for index, (actor, text, translation) in enumerate(scene["lines"], start=1):  # type: ignore[arg-type]
            voice, pitch = voices[actor]
            samples = speak(text, voice, pitch)
            duration = round(len(samples) / RATE, 3)
            name = f"{scene['id']}-{index:02d}.ogg"
            (out / "audio" / name).write_bytes(encode_opus(samples))
            tokens.append(
                {
                    "id": f"{scene['id']}-{index:02d}",
                    "actor": actor,
                    "text": text,
                    "translation": translation,
                    "start_seconds": round(cursor, 3),
                    "end_seconds": round(cursor + duration, 3),
                    "audio": f"audio/{name}",
                    "words": word_timings(text, samples, voice, pitch),
                }
            )
            cursor = round(cursor + duration + GAP, 3)
            print(f"{name}: {duration:.2f}s", file=sys.stderr)
        scripts.append(
            {
                "id": scene["id"],
                "title": scene["title"],
                "work_title": scene["work_title"],
                "kind": scene["kind"],
                "category": scene["category"],
                "language": "en",
                "tokens": tokens,
            }
        )
    manifest = {
        "version": 1,
        "actors": [{"id": a["id"], "name": a["name"], "aliases": a["aliases"]} for a in ACTORS],
        "scripts": scripts,
    }
    header = (
        "# YouSync demo catalog: public-domain Shakespeare; SYNTHETIC reference audio (espeak-ng TTS).\n"
        "# Generated by services/catalog/scripts/make_demo_catalog.py - regenerate rather than edit.\n"
    )
    (out / "catalog.yaml").write_text(header + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False))


if __name__ == "__main__":
    main()
