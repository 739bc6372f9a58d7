"""Domain types of the analyzer: dataclasses, enums and errors. No grpc, no numpy-heavy logic.

Everything a pool worker returns is one of these (picklable, plain data).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from yousync_platform.errors import DomainError, InvalidArgument, ResourceExhausted

SAMPLE_RATE = 16_000
FRAME_SECONDS = 0.01


class AudioFormat(enum.Enum):
    UNSPECIFIED = 0
    WAV = 1
    WEBM = 2
    OGG = 3
    MP3 = 4
    MP4 = 5
    FLAC = 6


class Stage(enum.IntEnum):
    """Stages in the order a stream reports them."""

    DECODING = 1
    QUALITY_CHECK = 2
    ALIGNMENT = 3
    RECOGNITION = 4
    PITCH = 5
    SCORING = 6


class Verdict(enum.Enum):
    SCORED = 1
    RERECORD = 2


class RerecordReason(enum.Enum):
    UNSPECIFIED = 0
    NO_SPEECH = 1
    NOISE_ONLY = 2
    CLIPPING = 3
    TOO_SHORT = 4
    WRONG_OR_INCOMPLETE_LINE = 5
    TOO_NOISY = 6


class FailureReason(enum.Enum):
    UNSUPPORTED_FORMAT = 1
    TOO_LONG = 2
    TOO_LARGE = 3
    UNDECODABLE = 4
    INVALID_REFERENCE = 5
    UNSUPPORTED_LANGUAGE = 6
    INTERNAL = 7


class WordStatus(enum.Enum):
    OK = 1
    MISPRONOUNCED = 2
    OMITTED = 3


class MiscueType(enum.Enum):
    OMISSION = 1
    INSERTION = 2
    SUBSTITUTION = 3


# --- errors -------------------------------------------------------------------------------------


class AnalysisFailed(Exception):
    """The take (or reference) cannot be analysed: reported as a typed `failure` event, not a status."""

    def __init__(self, reason: FailureReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __reduce__(self) -> tuple[type[AnalysisFailed], tuple[FailureReason, str]]:
        # raised in pool workers: must survive pickling back to the server process
        return (type(self), (self.reason, self.message))


class ProtocolViolation(InvalidArgument):
    """The client broke the stream contract (INVALID_ARGUMENT)."""

    def __init__(self, message: str) -> None:
        super().__init__("PROTOCOL_VIOLATION", message)


class Saturated(ResourceExhausted):
    """Every worker is busy and the bounded queue is full (RESOURCE_EXHAUSTED)."""

    def __init__(self, message: str = "the analyzer is saturated; retry later") -> None:
        super().__init__("ANALYZER_SATURATED", message)


__all__ = ["DomainError"]


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WordTiming:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class ReferenceSpec:
    """What the client says about the actor's side."""

    cache_key: str
    text: str
    language: str = "en"
    words: tuple[WordTiming, ...] = ()


@dataclass(frozen=True)
class Limits:
    max_take_bytes: int = 10 * 1024 * 1024
    max_reference_bytes: int = 10 * 1024 * 1024
    max_duration_seconds: float = 60.0


# --- intermediate analyses ---------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    samples: bytes  # float32 little-endian, 16 kHz mono (bytes keep pickling cheap and typed)
    format: AudioFormat
    duration: float


@dataclass(frozen=True)
class QualityReport:
    duration: float
    speech_fraction: float
    snr_db: float
    clipped_fraction: float
    voiced_fraction: float
    speech_start: float
    speech_end: float


@dataclass(frozen=True)
class AlignedWord:
    """One word of the line as aligned in an audio: times in seconds, score per 10 ms frame."""

    index: int
    word: str
    start: float
    end: float
    frame_score: float


@dataclass(frozen=True)
class Alignment:
    """Where the line's words are in an audio.

    `voiced` is the span the energy detector heard speech in. It anchors pace and onsets: the
    aligner's outer word edges are its least reliable output (the leading silence model often eats
    a soft onset such as the /m/ of "may"), while the energy edges do not depend on the codec.
    """

    words: tuple[AlignedWord, ...]
    pauses: tuple[tuple[float, float], ...]  # silences between words
    voiced: tuple[float, float] | None = None

    @property
    def speech_start(self) -> float:
        if self.voiced is not None:
            return self.voiced[0]
        return self.words[0].start if self.words else 0.0

    @property
    def speech_end(self) -> float:
        if self.voiced is not None:
            return self.voiced[1]
        return self.words[-1].end if self.words else 0.0


@dataclass(frozen=True)
class HeardWord:
    """One token of the free recognition pass: a word, or ``*`` for a stretch of speech the
    recogniser matched only to its phone loop (an unknown word); phones are what it heard."""

    word: str
    start: float
    end: float
    phones: tuple[str, ...]
    frame_score: float = 0.0  # the recogniser's acoustic score per 10 ms frame


@dataclass(frozen=True)
class PitchTrack:
    """f0 every 10 ms from t0; 0.0 where unvoiced."""

    t0: float
    step: float
    hz: tuple[float, ...]


@dataclass(frozen=True)
class ProsodyFeatures:
    pitch_range_semitones: float
    energy_range_db: float
    speaking_rate_wps: float
    pause_seconds: float
    duration_seconds: float
    pitch_movement_semitones: float = 0.0


@dataclass(frozen=True)
class SpeakerAnalysis:
    """Everything computed for one side (actor or user) that scoring compares."""

    alignment: Alignment
    pitch: PitchTrack
    energy_db: tuple[float, ...]  # every 10 ms
    features: ProsodyFeatures
    duration: float


@dataclass(frozen=True)
class ReferenceAnalysis:
    spec: ReferenceSpec
    analysis: SpeakerAnalysis
    aligned_by: str  # "aligner" or "client-timings"


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PitchPoint:
    time: float
    hz: float | None  # semitones for the relative curves, Hz for the raw one


@dataclass(frozen=True)
class WordResult:
    word: str
    index: int
    status: WordStatus
    score: float
    start: float | None
    end: float | None
    reference_start: float
    reference_end: float
    onset_delta: float | None = None
    offset_delta: float | None = None
    on_time: bool = False


@dataclass(frozen=True)
class Miscue:
    type: MiscueType
    expected: str
    recognized: str
    word_index: int
    confidence: float = 1.0


@dataclass(frozen=True)
class PitchComparison:
    reference: tuple[PitchPoint, ...]
    take: tuple[PitchPoint, ...]
    correlation: float
    rms_semitones: float
    max_divergence_word: str
    max_divergence_seconds: float
    take_hz: tuple[PitchPoint, ...]
    warped_by: str  # "words" or "dtw"


@dataclass(frozen=True)
class Scores:
    pronunciation: float = 0.0
    intonation: float = 0.0
    expressiveness: float = 0.0
    timing: float = 0.0
    overall: float = 0.0
    completeness: float = 0.0


@dataclass(frozen=True)
class Timing:
    pace_ratio: float
    mean_abs_onset_delta: float


@dataclass(frozen=True)
class AnalysisResult:
    model_version: str
    verdict: Verdict
    quality: QualityReport
    detected_format: AudioFormat
    rerecord_reason: RerecordReason = RerecordReason.UNSPECIFIED
    scores: Scores = field(default_factory=Scores)
    words: tuple[WordResult, ...] = ()
    miscues: tuple[Miscue, ...] = ()
    pitch: PitchComparison | None = None
    reference_features: ProsodyFeatures | None = None
    take_features: ProsodyFeatures | None = None
    expressiveness_measures: str = ""
    timing: Timing | None = None
    feedback: tuple[str, ...] = ()
    recognized_text: str = ""


# --- stream events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    reference_cached: bool
    model_version: str


@dataclass(frozen=True)
class Progress:
    stage: Stage
    progress: int
    message: str


@dataclass(frozen=True)
class Failure:
    reason: FailureReason
    message: str


Event = Accepted | Progress | AnalysisResult | Failure


# Input messages of a stream, after conversion from protobuf.
@dataclass(frozen=True)
class Start:
    job_id: str
    reference: ReferenceSpec
    declared_format: AudioFormat = AudioFormat.UNSPECIFIED
    declared_size: int = 0


@dataclass(frozen=True)
class ReferenceChunk:
    data: bytes


@dataclass(frozen=True)
class TakeChunk:
    data: bytes


@dataclass(frozen=True)
class EndOfInput:
    pass


Message = Start | ReferenceChunk | TakeChunk | EndOfInput
