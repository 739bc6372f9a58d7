"""Regenerate this test catalog's tiny audio (stdlib only, deterministic):
`.venv/bin/python tests/compat/catalog/make_audio.py`.

- `voice-low.wav`, `voice-high.wav`: 0.8 s "voices", 8 kHz mono 16-bit PCM, a glide with vibrato
  (about 140-180 Hz and 220-280 Hz), so the importer's pitch tracker finds a contour for each line.
- `background.wav`: 1 s of quiet low hum, the scenes' background track.
"""

from __future__ import annotations

import math
import struct
import wave
from collections.abc import Callable
from pathlib import Path

RATE = 8000
HERE = Path(__file__).parent / "audio"


def write(name: str, seconds: float, frequency: Callable[[float], float], level: float) -> None:
    frames = bytearray()
    phase = 0.0
    count = int(seconds * RATE)
    for i in range(count):
        t = i / RATE
        phase += 2 * math.pi * frequency(t) / RATE
        envelope = min(1.0, i / 400, (count - i) / 400)
        value = level * envelope * (math.sin(phase) + 0.3 * math.sin(2 * phase))
        frames += struct.pack("<h", int(max(-1.0, min(1.0, value)) * 32767))
    with wave.open(str(HERE / name), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    write("voice-low.wav", 0.8, lambda t: 140 + 50 * t + 6 * math.sin(2 * math.pi * 5 * t), 0.5)
    write("voice-high.wav", 0.8, lambda t: 280 - 70 * t + 8 * math.sin(2 * math.pi * 6 * t), 0.5)
    write("background.wav", 1.0, lambda t: 60.0, 0.05)


if __name__ == "__main__":
    main()
