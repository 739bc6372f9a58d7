"""How long a recording is, from its container's header (and, for Ogg, its last page), without decoding.

`None` when the container does not say (WebM from MediaRecorder, MP3 without a Xing header, an MP4
whose `moov` comes last): the analyzer still checks the decoded duration. No grpc, no protobuf.
"""

from __future__ import annotations

import struct

from yousync.common.v1 import common_pb2

# Bytes of the file's start and end the probe reads.
HEAD_BYTES = 64 * 1024
TAIL_BYTES = 70 * 1024  # an Ogg page is at most 65 307 bytes


def duration_from_head(audio_format: int, head: bytes, size: int | None = None) -> float | None:
    """Seconds, when the first bytes alone tell (WAV, FLAC, MP4 with `moov` first)."""
    try:
        if audio_format == common_pb2.AUDIO_FORMAT_WAV:
            return _wav(head, size)
        if audio_format == common_pb2.AUDIO_FORMAT_FLAC:
            return _flac(head)
        if audio_format == common_pb2.AUDIO_FORMAT_MP4:
            return _mp4(head)
    except (struct.error, IndexError, ValueError, ZeroDivisionError):
        return None
    return None


def duration(audio_format: int, head: bytes, tail: bytes, size: int) -> float | None:
    """Seconds from the head and the tail of the whole file."""
    if audio_format == common_pb2.AUDIO_FORMAT_OGG:
        try:
            return _ogg(head, tail)
        except (struct.error, IndexError, ValueError, ZeroDivisionError):
            return None
    return duration_from_head(audio_format, head, size)


def _wav(head: bytes, size: int | None) -> float | None:
    offset = 12
    byte_rate = 0
    while offset + 8 <= len(head):
        chunk_id = head[offset : offset + 4]
        (chunk_size,) = struct.unpack_from("<I", head, offset + 4)
        body = offset + 8
        if chunk_id == b"fmt ":
            (byte_rate,) = struct.unpack_from("<I", head, body + 8)
        elif chunk_id == b"data":
            if not byte_rate:
                return None
            data: int = chunk_size
            if size is not None:
                data = min(data, max(0, size - body))  # a streamed WAV may declare 0xFFFFFFFF
            elif chunk_size in (0, 0xFFFFFFFF):
                return None
            return data / int(byte_rate)
        offset = body + chunk_size + (chunk_size & 1)
    return None


def _flac(head: bytes) -> float | None:
    if head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return None
    info = head[8 : 8 + 34]
    if len(info) < 18:
        return None
    packed = int.from_bytes(info[10:18], "big")
    sample_rate = packed >> 44
    total_samples = packed & ((1 << 36) - 1)
    if not sample_rate or not total_samples:
        return None
    return total_samples / sample_rate


def _mp4(head: bytes) -> float | None:
    at = head.find(b"mvhd")
    if at < 4:
        return None
    version = head[at + 4]
    timescale: int
    length: int
    if version == 1:
        timescale, length = struct.unpack_from(">IQ", head, at + 8 + 16)
    else:
        timescale, length = struct.unpack_from(">II", head, at + 8 + 8)
    if not timescale or length in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        return None
    return length / timescale


def _ogg_pages(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, granule, serial) of every page header found in `data`."""
    pages = []
    at = data.find(b"OggS")
    while at != -1 and at + 27 <= len(data):
        if data[at + 4] == 0:
            granule, serial = struct.unpack_from("<qI", data, at + 6)
            pages.append((at, granule, serial))
        at = data.find(b"OggS", at + 4)
    return pages


def _ogg(head: bytes, tail: bytes) -> float | None:
    first = _ogg_pages(head)
    if not first:
        return None
    at, _, serial = first[0]
    segments = head[at + 26]
    packet = head[at + 27 + segments : at + 27 + segments + 64]
    if packet.startswith(b"OpusHead"):
        (pre_skip,) = struct.unpack_from("<H", packet, 10)
        rate = 48000
    elif packet.startswith(b"\x01vorbis"):
        (rate,) = struct.unpack_from("<I", packet, 12)
        pre_skip = 0
    else:
        return None
    for _, granule, page_serial in reversed(_ogg_pages(tail)):
        if page_serial == serial and granule >= 0:
            return max(0, granule - pre_skip) / rate if rate else None
    return None
