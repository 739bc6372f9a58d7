from yousync.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    STAGE_DECODING: _ClassVar[Stage]
    STAGE_QUALITY_CHECK: _ClassVar[Stage]
    STAGE_ALIGNMENT: _ClassVar[Stage]
    STAGE_RECOGNITION: _ClassVar[Stage]
    STAGE_PITCH: _ClassVar[Stage]
    STAGE_SCORING: _ClassVar[Stage]

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_SCORED: _ClassVar[Verdict]
    VERDICT_RERECORD: _ClassVar[Verdict]

class RerecordReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RERECORD_REASON_UNSPECIFIED: _ClassVar[RerecordReason]
    RERECORD_REASON_NO_SPEECH: _ClassVar[RerecordReason]
    RERECORD_REASON_NOISE_ONLY: _ClassVar[RerecordReason]
    RERECORD_REASON_CLIPPING: _ClassVar[RerecordReason]
    RERECORD_REASON_TOO_SHORT: _ClassVar[RerecordReason]
    RERECORD_REASON_WRONG_OR_INCOMPLETE_LINE: _ClassVar[RerecordReason]
    RERECORD_REASON_TOO_NOISY: _ClassVar[RerecordReason]

class FailureReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FAILURE_REASON_UNSPECIFIED: _ClassVar[FailureReason]
    FAILURE_REASON_UNSUPPORTED_FORMAT: _ClassVar[FailureReason]
    FAILURE_REASON_TOO_LONG: _ClassVar[FailureReason]
    FAILURE_REASON_TOO_LARGE: _ClassVar[FailureReason]
    FAILURE_REASON_UNDECODABLE: _ClassVar[FailureReason]
    FAILURE_REASON_INVALID_REFERENCE: _ClassVar[FailureReason]
    FAILURE_REASON_UNSUPPORTED_LANGUAGE: _ClassVar[FailureReason]
    FAILURE_REASON_INTERNAL: _ClassVar[FailureReason]

class WordStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORD_STATUS_UNSPECIFIED: _ClassVar[WordStatus]
    WORD_STATUS_OK: _ClassVar[WordStatus]
    WORD_STATUS_MISPRONOUNCED: _ClassVar[WordStatus]
    WORD_STATUS_OMITTED: _ClassVar[WordStatus]

class MiscueType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MISCUE_TYPE_UNSPECIFIED: _ClassVar[MiscueType]
    MISCUE_TYPE_OMISSION: _ClassVar[MiscueType]
    MISCUE_TYPE_INSERTION: _ClassVar[MiscueType]
    MISCUE_TYPE_SUBSTITUTION: _ClassVar[MiscueType]
STAGE_UNSPECIFIED: Stage
STAGE_DECODING: Stage
STAGE_QUALITY_CHECK: Stage
STAGE_ALIGNMENT: Stage
STAGE_RECOGNITION: Stage
STAGE_PITCH: Stage
STAGE_SCORING: Stage
VERDICT_UNSPECIFIED: Verdict
VERDICT_SCORED: Verdict
VERDICT_RERECORD: Verdict
RERECORD_REASON_UNSPECIFIED: RerecordReason
RERECORD_REASON_NO_SPEECH: RerecordReason
RERECORD_REASON_NOISE_ONLY: RerecordReason
RERECORD_REASON_CLIPPING: RerecordReason
RERECORD_REASON_TOO_SHORT: RerecordReason
RERECORD_REASON_WRONG_OR_INCOMPLETE_LINE: RerecordReason
RERECORD_REASON_TOO_NOISY: RerecordReason
FAILURE_REASON_UNSPECIFIED: FailureReason
FAILURE_REASON_UNSUPPORTED_FORMAT: FailureReason
FAILURE_REASON_TOO_LONG: FailureReason
FAILURE_REASON_TOO_LARGE: FailureReason
FAILURE_REASON_UNDECODABLE: FailureReason
FAILURE_REASON_INVALID_REFERENCE: FailureReason
FAILURE_REASON_UNSUPPORTED_LANGUAGE: FailureReason
FAILURE_REASON_INTERNAL: FailureReason
WORD_STATUS_UNSPECIFIED: WordStatus
WORD_STATUS_OK: WordStatus
WORD_STATUS_MISPRONOUNCED: WordStatus
WORD_STATUS_OMITTED: WordStatus
MISCUE_TYPE_UNSPECIFIED: MiscueType
MISCUE_TYPE_OMISSION: MiscueType
MISCUE_TYPE_INSERTION: MiscueType
MISCUE_TYPE_SUBSTITUTION: MiscueType

class AnalyzeRequest(_message.Message):
    __slots__ = ("start", "reference_audio", "take_audio", "end_of_input")
    START_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    TAKE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    END_OF_INPUT_FIELD_NUMBER: _ClassVar[int]
    start: AnalyzeStart
    reference_audio: AudioChunk
    take_audio: AudioChunk
    end_of_input: EndOfInput
    def __init__(self, start: _Optional[_Union[AnalyzeStart, _Mapping]] = ..., reference_audio: _Optional[_Union[AudioChunk, _Mapping]] = ..., take_audio: _Optional[_Union[AudioChunk, _Mapping]] = ..., end_of_input: _Optional[_Union[EndOfInput, _Mapping]] = ...) -> None: ...

class AnalyzeStart(_message.Message):
    __slots__ = ("job_id", "reference", "take")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    reference: Reference
    take: TakeInfo
    def __init__(self, job_id: _Optional[str] = ..., reference: _Optional[_Union[Reference, _Mapping]] = ..., take: _Optional[_Union[TakeInfo, _Mapping]] = ...) -> None: ...

class Reference(_message.Message):
    __slots__ = ("cache_key", "text", "language", "words")
    CACHE_KEY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    cache_key: str
    text: str
    language: str
    words: _containers.RepeatedCompositeFieldContainer[_common_pb2.WordTiming]
    def __init__(self, cache_key: _Optional[str] = ..., text: _Optional[str] = ..., language: _Optional[str] = ..., words: _Optional[_Iterable[_Union[_common_pb2.WordTiming, _Mapping]]] = ...) -> None: ...

class TakeInfo(_message.Message):
    __slots__ = ("format", "size_bytes")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    format: _common_pb2.AudioFormat
    size_bytes: int
    def __init__(self, format: _Optional[_Union[_common_pb2.AudioFormat, str]] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class AudioChunk(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class EndOfInput(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AnalyzeResponse(_message.Message):
    __slots__ = ("accepted", "progress", "result", "failure")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    accepted: Accepted
    progress: Progress
    result: AnalysisResult
    failure: AnalysisFailure
    def __init__(self, accepted: _Optional[_Union[Accepted, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[AnalysisResult, _Mapping]] = ..., failure: _Optional[_Union[AnalysisFailure, _Mapping]] = ...) -> None: ...

class Accepted(_message.Message):
    __slots__ = ("reference_cached", "model_version")
    REFERENCE_CACHED_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    reference_cached: bool
    model_version: str
    def __init__(self, reference_cached: _Optional[bool] = ..., model_version: _Optional[str] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("stage", "progress", "message")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    progress: int
    message: str
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., progress: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class AnalysisFailure(_message.Message):
    __slots__ = ("reason", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: FailureReason
    message: str
    def __init__(self, reason: _Optional[_Union[FailureReason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class Scores(_message.Message):
    __slots__ = ("pronunciation", "intonation", "expressiveness", "timing", "overall", "completeness")
    PRONUNCIATION_FIELD_NUMBER: _ClassVar[int]
    INTONATION_FIELD_NUMBER: _ClassVar[int]
    EXPRESSIVENESS_FIELD_NUMBER: _ClassVar[int]
    TIMING_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    pronunciation: float
    intonation: float
    expressiveness: float
    timing: float
    overall: float
    completeness: float
    def __init__(self, pronunciation: _Optional[float] = ..., intonation: _Optional[float] = ..., expressiveness: _Optional[float] = ..., timing: _Optional[float] = ..., overall: _Optional[float] = ..., completeness: _Optional[float] = ...) -> None: ...

class WordResult(_message.Message):
    __slots__ = ("word", "index", "status", "score", "start_seconds", "end_seconds", "reference_start_seconds", "reference_end_seconds", "onset_delta_seconds", "offset_delta_seconds", "on_time")
    WORD_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ONSET_DELTA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_DELTA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    word: str
    index: int
    status: WordStatus
    score: float
    start_seconds: float
    end_seconds: float
    reference_start_seconds: float
    reference_end_seconds: float
    onset_delta_seconds: float
    offset_delta_seconds: float
    on_time: bool
    def __init__(self, word: _Optional[str] = ..., index: _Optional[int] = ..., status: _Optional[_Union[WordStatus, str]] = ..., score: _Optional[float] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., reference_start_seconds: _Optional[float] = ..., reference_end_seconds: _Optional[float] = ..., onset_delta_seconds: _Optional[float] = ..., offset_delta_seconds: _Optional[float] = ..., on_time: _Optional[bool] = ...) -> None: ...

class Miscue(_message.Message):
    __slots__ = ("type", "expected", "recognized", "word_index", "confidence")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    RECOGNIZED_FIELD_NUMBER: _ClassVar[int]
    WORD_INDEX_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    type: MiscueType
    expected: str
    recognized: str
    word_index: int
    confidence: float
    def __init__(self, type: _Optional[_Union[MiscueType, str]] = ..., expected: _Optional[str] = ..., recognized: _Optional[str] = ..., word_index: _Optional[int] = ..., confidence: _Optional[float] = ...) -> None: ...

class PitchComparison(_message.Message):
    __slots__ = ("reference", "take", "correlation", "rms_semitones", "max_divergence_word", "max_divergence_seconds", "take_hz", "warped_by")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_FIELD_NUMBER: _ClassVar[int]
    RMS_SEMITONES_FIELD_NUMBER: _ClassVar[int]
    MAX_DIVERGENCE_WORD_FIELD_NUMBER: _ClassVar[int]
    MAX_DIVERGENCE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TAKE_HZ_FIELD_NUMBER: _ClassVar[int]
    WARPED_BY_FIELD_NUMBER: _ClassVar[int]
    reference: _containers.RepeatedCompositeFieldContainer[_common_pb2.PitchPoint]
    take: _containers.RepeatedCompositeFieldContainer[_common_pb2.PitchPoint]
    correlation: float
    rms_semitones: float
    max_divergence_word: str
    max_divergence_seconds: float
    take_hz: _containers.RepeatedCompositeFieldContainer[_common_pb2.PitchPoint]
    warped_by: str
    def __init__(self, reference: _Optional[_Iterable[_Union[_common_pb2.PitchPoint, _Mapping]]] = ..., take: _Optional[_Iterable[_Union[_common_pb2.PitchPoint, _Mapping]]] = ..., correlation: _Optional[float] = ..., rms_semitones: _Optional[float] = ..., max_divergence_word: _Optional[str] = ..., max_divergence_seconds: _Optional[float] = ..., take_hz: _Optional[_Iterable[_Union[_common_pb2.PitchPoint, _Mapping]]] = ..., warped_by: _Optional[str] = ...) -> None: ...

class ExpressivenessFeatures(_message.Message):
    __slots__ = ("pitch_range_semitones", "energy_range_db", "speaking_rate_wps", "pause_seconds", "duration_seconds", "pitch_movement_semitones")
    PITCH_RANGE_SEMITONES_FIELD_NUMBER: _ClassVar[int]
    ENERGY_RANGE_DB_FIELD_NUMBER: _ClassVar[int]
    SPEAKING_RATE_WPS_FIELD_NUMBER: _ClassVar[int]
    PAUSE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PITCH_MOVEMENT_SEMITONES_FIELD_NUMBER: _ClassVar[int]
    pitch_range_semitones: float
    energy_range_db: float
    speaking_rate_wps: float
    pause_seconds: float
    duration_seconds: float
    pitch_movement_semitones: float
    def __init__(self, pitch_range_semitones: _Optional[float] = ..., energy_range_db: _Optional[float] = ..., speaking_rate_wps: _Optional[float] = ..., pause_seconds: _Optional[float] = ..., duration_seconds: _Optional[float] = ..., pitch_movement_semitones: _Optional[float] = ...) -> None: ...

class Expressiveness(_message.Message):
    __slots__ = ("reference", "take", "measures")
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    TAKE_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    reference: ExpressivenessFeatures
    take: ExpressivenessFeatures
    measures: str
    def __init__(self, reference: _Optional[_Union[ExpressivenessFeatures, _Mapping]] = ..., take: _Optional[_Union[ExpressivenessFeatures, _Mapping]] = ..., measures: _Optional[str] = ...) -> None: ...

class Timing(_message.Message):
    __slots__ = ("pace_ratio", "mean_abs_onset_delta_seconds")
    PACE_RATIO_FIELD_NUMBER: _ClassVar[int]
    MEAN_ABS_ONSET_DELTA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    pace_ratio: float
    mean_abs_onset_delta_seconds: float
    def __init__(self, pace_ratio: _Optional[float] = ..., mean_abs_onset_delta_seconds: _Optional[float] = ...) -> None: ...

class QualityReport(_message.Message):
    __slots__ = ("speech_fraction", "snr_db", "clipped_fraction", "duration_seconds", "voiced_fraction")
    SPEECH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    SNR_DB_FIELD_NUMBER: _ClassVar[int]
    CLIPPED_FRACTION_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VOICED_FRACTION_FIELD_NUMBER: _ClassVar[int]
    speech_fraction: float
    snr_db: float
    clipped_fraction: float
    duration_seconds: float
    voiced_fraction: float
    def __init__(self, speech_fraction: _Optional[float] = ..., snr_db: _Optional[float] = ..., clipped_fraction: _Optional[float] = ..., duration_seconds: _Optional[float] = ..., voiced_fraction: _Optional[float] = ...) -> None: ...

class AnalysisResult(_message.Message):
    __slots__ = ("model_version", "verdict", "rerecord_reason", "scores", "words", "miscues", "pitch", "expressiveness", "timing", "quality", "feedback", "recognized_text", "detected_format")
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    RERECORD_REASON_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    MISCUES_FIELD_NUMBER: _ClassVar[int]
    PITCH_FIELD_NUMBER: _ClassVar[int]
    EXPRESSIVENESS_FIELD_NUMBER: _ClassVar[int]
    TIMING_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    RECOGNIZED_TEXT_FIELD_NUMBER: _ClassVar[int]
    DETECTED_FORMAT_FIELD_NUMBER: _ClassVar[int]
    model_version: str
    verdict: Verdict
    rerecord_reason: RerecordReason
    scores: Scores
    words: _containers.RepeatedCompositeFieldContainer[WordResult]
    miscues: _containers.RepeatedCompositeFieldContainer[Miscue]
    pitch: PitchComparison
    expressiveness: Expressiveness
    timing: Timing
    quality: QualityReport
    feedback: _containers.RepeatedScalarFieldContainer[str]
    recognized_text: str
    detected_format: _common_pb2.AudioFormat
    def __init__(self, model_version: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., rerecord_reason: _Optional[_Union[RerecordReason, str]] = ..., scores: _Optional[_Union[Scores, _Mapping]] = ..., words: _Optional[_Iterable[_Union[WordResult, _Mapping]]] = ..., miscues: _Optional[_Iterable[_Union[Miscue, _Mapping]]] = ..., pitch: _Optional[_Union[PitchComparison, _Mapping]] = ..., expressiveness: _Optional[_Union[Expressiveness, _Mapping]] = ..., timing: _Optional[_Union[Timing, _Mapping]] = ..., quality: _Optional[_Union[QualityReport, _Mapping]] = ..., feedback: _Optional[_Iterable[str]] = ..., recognized_text: _Optional[str] = ..., detected_format: _Optional[_Union[_common_pb2.AudioFormat, str]] = ...) -> None: ...
