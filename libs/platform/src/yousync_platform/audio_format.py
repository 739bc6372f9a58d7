"""What an audio file really is, from its first bytes (labels lie: browsers send WebM labelled audio/wav).

The one sniffer: the orchestrator checks uploads with it, the analyzer picks its demuxer with it.
"""

from __future__ import annotations

from yousync.common.v1 import common_pb2

# Bytes needed to tell every accepted format apart.
SNIFF_BYTES = 64

_NAMES: dict[int, tuple[str, str]] = {
    common_pb2.AUDIO_FORMAT_WAV: ("wav", "audio/wav"),
    common_pb2.AUDIO_FORMAT_WEBM: ("webm", "audio/webm"),
    common_pb2.AUDIO_FORMAT_OGG: ("ogg", "audio/ogg"),
    common_pb2.AUDIO_FORMAT_MP3: ("mp3", "audio/mpeg"),
    common_pb2.AUDIO_FORMAT_MP4: ("m4a", "audio/mp4"),
    common_pb2.AUDIO_FORMAT_FLAC: ("flac", "audio/flac"),
}


def sniff(head: bytes) -> int:
    """The AudioFormat of a file starting with `head`, or AUDIO_FORMAT_UNSPECIFIED."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return common_pb2.AUDIO_FORMAT_WAV
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return common_pb2.AUDIO_FORMAT_WEBM  # EBML: WebM/Matroska
    if head[:4] == b"OggS":
        return common_pb2.AUDIO_FORMAT_OGG
    if head[:4] == b"fLaC":
        return common_pb2.AUDIO_FORMAT_FLAC
    if head[4:8] == b"ftyp":
        return common_pb2.AUDIO_FORMAT_MP4
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return common_pb2.AUDIO_FORMAT_MP3
    return common_pb2.AUDIO_FORMAT_UNSPECIFIED


def extension(audio_format: int) -> str:
    return _NAMES[audio_format][0]


def content_type(audio_format: int) -> str:
    return _NAMES[audio_format][1]


def describe(head: bytes) -> str:
    """A short, safe description of unrecognised bytes, for the error message."""
    printable = "".join(chr(b) if 32 <= b < 127 else "." for b in head[:8])
    return f"{head[:8].hex(' ')} ({printable!r})"
