from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CatalogChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CATALOG_CHANGE_KIND_UNSPECIFIED: _ClassVar[CatalogChangeKind]
    CATALOG_CHANGE_KIND_EDIT: _ClassVar[CatalogChangeKind]
    CATALOG_CHANGE_KIND_COUNTERS: _ClassVar[CatalogChangeKind]
CATALOG_CHANGE_KIND_UNSPECIFIED: CatalogChangeKind
CATALOG_CHANGE_KIND_EDIT: CatalogChangeKind
CATALOG_CHANGE_KIND_COUNTERS: CatalogChangeKind

class CatalogChanged(_message.Message):
    __slots__ = ("event_id", "kind")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    kind: CatalogChangeKind
    def __init__(self, event_id: _Optional[str] = ..., kind: _Optional[_Union[CatalogChangeKind, str]] = ...) -> None: ...
