import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yousync.analyzer.v1 import analyzer_pb2 as _analyzer_pb2
from yousync.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_COMPLETED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]

class JobStage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STAGE_UNSPECIFIED: _ClassVar[JobStage]
    JOB_STAGE_QUEUED: _ClassVar[JobStage]
    JOB_STAGE_DISPATCHED: _ClassVar[JobStage]
    JOB_STAGE_DECODING: _ClassVar[JobStage]
    JOB_STAGE_QUALITY_CHECK: _ClassVar[JobStage]
    JOB_STAGE_ALIGNMENT: _ClassVar[JobStage]
    JOB_STAGE_RECOGNITION: _ClassVar[JobStage]
    JOB_STAGE_PITCH: _ClassVar[JobStage]
    JOB_STAGE_SCORING: _ClassVar[JobStage]
    JOB_STAGE_DONE: _ClassVar[JobStage]
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_COMPLETED: JobState
JOB_STATE_FAILED: JobState
JOB_STAGE_UNSPECIFIED: JobStage
JOB_STAGE_QUEUED: JobStage
JOB_STAGE_DISPATCHED: JobStage
JOB_STAGE_DECODING: JobStage
JOB_STAGE_QUALITY_CHECK: JobStage
JOB_STAGE_ALIGNMENT: JobStage
JOB_STAGE_RECOGNITION: JobStage
JOB_STAGE_PITCH: JobStage
JOB_STAGE_SCORING: JobStage
JOB_STAGE_DONE: JobStage

class JobFailure(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: str
    message: str
    def __init__(self, reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "take_id", "token_id", "script_id", "state", "stage", "progress", "message", "last_sequence", "failure", "create_time", "update_time", "complete_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TAKE_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    take_id: str
    token_id: int
    script_id: int
    state: JobState
    stage: JobStage
    progress: int
    message: str
    last_sequence: int
    failure: JobFailure
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., take_id: _Optional[str] = ..., token_id: _Optional[int] = ..., script_id: _Optional[int] = ..., state: _Optional[_Union[JobState, str]] = ..., stage: _Optional[_Union[JobStage, str]] = ..., progress: _Optional[int] = ..., message: _Optional[str] = ..., last_sequence: _Optional[int] = ..., failure: _Optional[_Union[JobFailure, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UploadTakeMetadata(_message.Message):
    __slots__ = ("token_id", "content_type", "filename", "request_id", "replay_only")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAY_ONLY_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    content_type: str
    filename: str
    request_id: str
    replay_only: bool
    def __init__(self, token_id: _Optional[int] = ..., content_type: _Optional[str] = ..., filename: _Optional[str] = ..., request_id: _Optional[str] = ..., replay_only: _Optional[bool] = ...) -> None: ...

class UploadTakeRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadTakeMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[UploadTakeMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id", "after_sequence")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_sequence: int
    def __init__(self, job_id: _Optional[str] = ..., after_sequence: _Optional[int] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("job_id", "sequence", "state", "stage", "progress", "message", "time", "result", "failure", "snapshot")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    sequence: int
    state: JobState
    stage: JobStage
    progress: int
    message: str
    time: _timestamp_pb2.Timestamp
    result: Result
    failure: JobFailure
    snapshot: bool
    def __init__(self, job_id: _Optional[str] = ..., sequence: _Optional[int] = ..., state: _Optional[_Union[JobState, str]] = ..., stage: _Optional[_Union[JobStage, str]] = ..., progress: _Optional[int] = ..., message: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., result: _Optional[_Union[Result, _Mapping]] = ..., failure: _Optional[_Union[JobFailure, _Mapping]] = ..., snapshot: _Optional[bool] = ...) -> None: ...

class Result(_message.Message):
    __slots__ = ("job_id", "take_id", "token_id", "script_id", "analysis", "create_time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TAKE_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    take_id: str
    token_id: int
    script_id: int
    analysis: _analyzer_pb2.AnalysisResult
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., take_id: _Optional[str] = ..., token_id: _Optional[int] = ..., script_id: _Optional[int] = ..., analysis: _Optional[_Union[_analyzer_pb2.AnalysisResult, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetResultRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class Take(_message.Message):
    __slots__ = ("id", "token_id", "script_id", "job_id", "state", "format", "size_bytes", "duration_seconds", "scores", "verdict", "create_time", "token_text", "script_title")
    ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TEXT_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_TITLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    token_id: int
    script_id: int
    job_id: str
    state: JobState
    format: _common_pb2.AudioFormat
    size_bytes: int
    duration_seconds: float
    scores: _analyzer_pb2.Scores
    verdict: _analyzer_pb2.Verdict
    create_time: _timestamp_pb2.Timestamp
    token_text: str
    script_title: str
    def __init__(self, id: _Optional[str] = ..., token_id: _Optional[int] = ..., script_id: _Optional[int] = ..., job_id: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., format: _Optional[_Union[_common_pb2.AudioFormat, str]] = ..., size_bytes: _Optional[int] = ..., duration_seconds: _Optional[float] = ..., scores: _Optional[_Union[_analyzer_pb2.Scores, _Mapping]] = ..., verdict: _Optional[_Union[_analyzer_pb2.Verdict, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token_text: _Optional[str] = ..., script_title: _Optional[str] = ...) -> None: ...

class ListMyTakesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "token_id", "script_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    token_id: int
    script_id: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., token_id: _Optional[int] = ..., script_id: _Optional[int] = ...) -> None: ...

class ListMyTakesResponse(_message.Message):
    __slots__ = ("takes", "next_page_token")
    TAKES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    takes: _containers.RepeatedCompositeFieldContainer[Take]
    next_page_token: str
    def __init__(self, takes: _Optional[_Iterable[_Union[Take, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetMyOverviewRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ScoreStats(_message.Message):
    __slots__ = ("average", "best")
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    BEST_FIELD_NUMBER: _ClassVar[int]
    average: float
    best: float
    def __init__(self, average: _Optional[float] = ..., best: _Optional[float] = ...) -> None: ...

class WeeklyProgress(_message.Message):
    __slots__ = ("week_start_time", "takes", "average_overall")
    WEEK_START_TIME_FIELD_NUMBER: _ClassVar[int]
    TAKES_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_OVERALL_FIELD_NUMBER: _ClassVar[int]
    week_start_time: _timestamp_pb2.Timestamp
    takes: int
    average_overall: float
    def __init__(self, week_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., takes: _Optional[int] = ..., average_overall: _Optional[float] = ...) -> None: ...

class MyOverview(_message.Message):
    __slots__ = ("total_takes", "scored_takes", "distinct_tokens", "distinct_scripts", "pronunciation", "intonation", "expressiveness", "timing", "overall", "weekly", "recent_takes")
    TOTAL_TAKES_FIELD_NUMBER: _ClassVar[int]
    SCORED_TAKES_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    PRONUNCIATION_FIELD_NUMBER: _ClassVar[int]
    INTONATION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSIVENESS_FIELD_NUMBER: _ClassVar[int]
    TIMING_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    WEEKLY_FIELD_NUMBER: _ClassVar[int]
    RECENT_TAKES_FIELD_NUMBER: _ClassVar[int]
    total_takes: int
    scored_takes: int
    distinct_tokens: int
    distinct_scripts: int
    pronunciation: ScoreStats
    intonation: ScoreStats
    expressiveness: ScoreStats
    timing: ScoreStats
    overall: ScoreStats
    weekly: _containers.RepeatedCompositeFieldContainer[WeeklyProgress]
    recent_takes: _containers.RepeatedCompositeFieldContainer[Take]
    def __init__(self, total_takes: _Optional[int] = ..., scored_takes: _Optional[int] = ..., distinct_tokens: _Optional[int] = ..., distinct_scripts: _Optional[int] = ..., pronunciation: _Optional[_Union[ScoreStats, _Mapping]] = ..., intonation: _Optional[_Union[ScoreStats, _Mapping]] = ..., expressiveness: _Optional[_Union[ScoreStats, _Mapping]] = ..., timing: _Optional[_Union[ScoreStats, _Mapping]] = ..., overall: _Optional[_Union[ScoreStats, _Mapping]] = ..., weekly: _Optional[_Iterable[_Union[WeeklyProgress, _Mapping]]] = ..., recent_takes: _Optional[_Iterable[_Union[Take, _Mapping]]] = ...) -> None: ...

class GetTakeAudioRequest(_message.Message):
    __slots__ = ("take_id",)
    TAKE_ID_FIELD_NUMBER: _ClassVar[int]
    take_id: str
    def __init__(self, take_id: _Optional[str] = ...) -> None: ...

class DeleteTakeRequest(_message.Message):
    __slots__ = ("take_id",)
    TAKE_ID_FIELD_NUMBER: _ClassVar[int]
    take_id: str
    def __init__(self, take_id: _Optional[str] = ...) -> None: ...

class DeleteTakeResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CompleteJobExternallyRequest(_message.Message):
    __slots__ = ("body", "signature", "timestamp")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    signature: str
    timestamp: int
    def __init__(self, body: _Optional[bytes] = ..., signature: _Optional[str] = ..., timestamp: _Optional[int] = ...) -> None: ...
