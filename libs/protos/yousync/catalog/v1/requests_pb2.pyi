import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VideoRequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VIDEO_REQUEST_STATUS_UNSPECIFIED: _ClassVar[VideoRequestStatus]
    VIDEO_REQUEST_STATUS_PENDING: _ClassVar[VideoRequestStatus]
    VIDEO_REQUEST_STATUS_APPROVED: _ClassVar[VideoRequestStatus]
    VIDEO_REQUEST_STATUS_REJECTED: _ClassVar[VideoRequestStatus]
VIDEO_REQUEST_STATUS_UNSPECIFIED: VideoRequestStatus
VIDEO_REQUEST_STATUS_PENDING: VideoRequestStatus
VIDEO_REQUEST_STATUS_APPROVED: VideoRequestStatus
VIDEO_REQUEST_STATUS_REJECTED: VideoRequestStatus

class VideoRequest(_message.Message):
    __slots__ = ("id", "requester_id", "requester_name", "actor", "content", "url", "status", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_NAME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    requester_id: str
    requester_name: str
    actor: str
    content: str
    url: str
    status: VideoRequestStatus
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., requester_id: _Optional[str] = ..., requester_name: _Optional[str] = ..., actor: _Optional[str] = ..., content: _Optional[str] = ..., url: _Optional[str] = ..., status: _Optional[_Union[VideoRequestStatus, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListVideoRequestsRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListVideoRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[VideoRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[VideoRequest, _Mapping]]] = ...) -> None: ...

class ListMyVideoRequestsRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListMyVideoRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[VideoRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[VideoRequest, _Mapping]]] = ...) -> None: ...

class CreateVideoRequestRequest(_message.Message):
    __slots__ = ("actor", "content", "url", "requester_name")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_NAME_FIELD_NUMBER: _ClassVar[int]
    actor: str
    content: str
    url: str
    requester_name: str
    def __init__(self, actor: _Optional[str] = ..., content: _Optional[str] = ..., url: _Optional[str] = ..., requester_name: _Optional[str] = ...) -> None: ...

class DeleteVideoRequestRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: int
    def __init__(self, id: _Optional[int] = ...) -> None: ...

class DeleteVideoRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetVideoRequestStatusRequest(_message.Message):
    __slots__ = ("id", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: int
    status: VideoRequestStatus
    def __init__(self, id: _Optional[int] = ..., status: _Optional[_Union[VideoRequestStatus, str]] = ...) -> None: ...
