"""Small protobuf conversions every service's convert module needs."""

from __future__ import annotations

import datetime as dt
from typing import overload

from google.protobuf.timestamp_pb2 import Timestamp


@overload
def timestamp(value: dt.datetime) -> Timestamp: ...
@overload
def timestamp(value: None) -> None: ...
def timestamp(value: dt.datetime | None) -> Timestamp | None:
    """A protobuf Timestamp of an aware datetime (None stays None: the field is left unset)."""
    if value is None:
        return None
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
