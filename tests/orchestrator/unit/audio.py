"""Small recordings made on the spot, and an Ogg "bomb" (a short file whose last page claims an hour)."""

from __future__ import annotations

import io
import struct
import wave

from tests.analyzer.helpers import FIXTURES


def wav(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(bytes(128 + (i * 7919) % 5 for i in range(int(rate * seconds))))
    return buffer.getvalue()


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else r << 1
        table.append(r & 0xFFFFFFFF)
    return table


_TABLE = _crc_table()


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc = ((crc << 8) ^ _TABLE[((crc >> 24) & 0xFF) ^ byte]) & 0xFFFFFFFF
    return crc


def ogg_claiming(seconds: float) -> bytes:
    """A real Ogg/Opus take whose last page (CRC fixed) says it ends after `seconds`."""
    data = bytearray((FIXTURES / "force" / "slow.opus.ogg").read_bytes())
    last = data.rfind(b"OggS")
    segments = data[last + 26]
    end = last + 27 + segments + sum(data[last + 27 : last + 27 + segments])
    pre_skip = struct.unpack_from("<H", data, data.find(b"OpusHead") + 10)[0]
    struct.pack_into("<q", data, last + 6, int(seconds * 48000) + pre_skip)
    struct.pack_into("<I", data, last + 22, 0)
    struct.pack_into("<I", data, last + 22, _ogg_crc(bytes(data[last:end])))
    return bytes(data)
