import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yousync.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dub(_message.Message):
    __slots__ = ("id", "script_id", "audio", "duration_seconds", "lines_mixed", "with_background", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LINES_MIXED_FIELD_NUMBER: _ClassVar[int]
    WITH_BACKGROUND_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    script_id: int
    audio: _common_pb2.AudioAccess
    duration_seconds: float
    lines_mixed: int
    with_background: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., script_id: _Optional[int] = ..., audio: _Optional[_Union[_common_pb2.AudioAccess, _Mapping]] = ..., duration_seconds: _Optional[float] = ..., lines_mixed: _Optional[int] = ..., with_background: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateDubRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class GetLatestDubRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...
