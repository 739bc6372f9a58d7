"""A damaged take fails with a message meant for the user: FFmpeg's errno text never reaches it."""

from __future__ import annotations

import pytest

from tests.fixtures.suite import take
from yousync_analyzer.audio.decode import decode
from yousync_analyzer.domain import AnalysisFailed, FailureReason


@pytest.mark.parametrize(
    "data",
    [
        b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 4,
        b"OggS" + b"\x00" * 60,
        b"\x1a\x45\xdf\xa3" + b"\xff" * 60,
        take("force", "good.wav")[:100],
    ],
    ids=["wav-junk", "ogg-zeros", "webm-ff", "wav-truncated"],
)
def test_undecodable_message_is_generic(data: bytes) -> None:
    try:
        decoded = decode(data, 30.0)
    except AnalysisFailed as failure:
        assert failure.reason is FailureReason.UNDECODABLE
        text = str(failure)
        assert "errno" not in text.lower() and "invalid data found" not in text.lower() and "'<none>'" not in text
        assert text.startswith("cannot decode the audio")
    else:  # a truncated WAV may still decode to a few samples; then it is simply short
        assert decoded.duration < 1.0
