from yousync.analysis.v1 import analysis_pb2 as _analysis_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class WatchJobByCapabilityRequest(_message.Message):
    __slots__ = ("job_id", "after_sequence", "proof")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_sequence: int
    proof: str
    def __init__(self, job_id: _Optional[str] = ..., after_sequence: _Optional[int] = ..., proof: _Optional[str] = ...) -> None: ...
