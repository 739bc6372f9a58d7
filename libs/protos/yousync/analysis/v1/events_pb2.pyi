import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yousync.analyzer.v1 import analyzer_pb2 as _analyzer_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TakeCompleted(_message.Message):
    __slots__ = ("event_id", "job_id", "take_id", "user_id", "token_id", "script_id", "complete_time", "scores", "verdict")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TAKE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    job_id: str
    take_id: str
    user_id: str
    token_id: int
    script_id: int
    complete_time: _timestamp_pb2.Timestamp
    scores: _analyzer_pb2.Scores
    verdict: _analyzer_pb2.Verdict
    def __init__(self, event_id: _Optional[str] = ..., job_id: _Optional[str] = ..., take_id: _Optional[str] = ..., user_id: _Optional[str] = ..., token_id: _Optional[int] = ..., script_id: _Optional[int] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scores: _Optional[_Union[_analyzer_pb2.Scores, _Mapping]] = ..., verdict: _Optional[_Union[_analyzer_pb2.Verdict, str]] = ...) -> None: ...
