import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from yousync.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScriptKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCRIPT_KIND_UNSPECIFIED: _ClassVar[ScriptKind]
    SCRIPT_KIND_MOVIE: _ClassVar[ScriptKind]
    SCRIPT_KIND_DRAMA: _ClassVar[ScriptKind]
    SCRIPT_KIND_ANIMATION: _ClassVar[ScriptKind]
    SCRIPT_KIND_STAGE_PLAY: _ClassVar[ScriptKind]
    SCRIPT_KIND_OTHER: _ClassVar[ScriptKind]

class ScriptOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCRIPT_ORDER_UNSPECIFIED: _ClassVar[ScriptOrder]
    SCRIPT_ORDER_POPULAR: _ClassVar[ScriptOrder]
    SCRIPT_ORDER_LATEST: _ClassVar[ScriptOrder]
    SCRIPT_ORDER_TITLE: _ClassVar[ScriptOrder]
SCRIPT_KIND_UNSPECIFIED: ScriptKind
SCRIPT_KIND_MOVIE: ScriptKind
SCRIPT_KIND_DRAMA: ScriptKind
SCRIPT_KIND_ANIMATION: ScriptKind
SCRIPT_KIND_STAGE_PLAY: ScriptKind
SCRIPT_KIND_OTHER: ScriptKind
SCRIPT_ORDER_UNSPECIFIED: ScriptOrder
SCRIPT_ORDER_POPULAR: ScriptOrder
SCRIPT_ORDER_LATEST: ScriptOrder
SCRIPT_ORDER_TITLE: ScriptOrder

class ActorSummary(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class Actor(_message.Message):
    __slots__ = ("id", "external_id", "name", "aliases", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    external_id: str
    name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., external_id: _Optional[str] = ..., name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Script(_message.Message):
    __slots__ = ("id", "external_id", "title", "work_title", "kind", "category", "language", "source_video_url", "thumbnail_url", "duration_seconds", "background_track", "actors", "view_count", "take_count", "create_time", "update_time", "tokens", "token_count", "video_start_seconds", "video_end_seconds", "collections", "pitch_track")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    WORK_TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_URL_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_TRACK_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    VIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    TAKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    VIDEO_START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    PITCH_TRACK_FIELD_NUMBER: _ClassVar[int]
    id: int
    external_id: str
    title: str
    work_title: str
    kind: ScriptKind
    category: str
    language: str
    source_video_url: str
    thumbnail_url: str
    duration_seconds: float
    background_track: _common_pb2.AudioAccess
    actors: _containers.RepeatedCompositeFieldContainer[ActorSummary]
    view_count: int
    take_count: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    tokens: _containers.RepeatedCompositeFieldContainer[Token]
    token_count: int
    video_start_seconds: float
    video_end_seconds: float
    collections: _containers.RepeatedScalarFieldContainer[str]
    pitch_track: _containers.RepeatedCompositeFieldContainer[_common_pb2.PitchPoint]
    def __init__(self, id: _Optional[int] = ..., external_id: _Optional[str] = ..., title: _Optional[str] = ..., work_title: _Optional[str] = ..., kind: _Optional[_Union[ScriptKind, str]] = ..., category: _Optional[str] = ..., language: _Optional[str] = ..., source_video_url: _Optional[str] = ..., thumbnail_url: _Optional[str] = ..., duration_seconds: _Optional[float] = ..., background_track: _Optional[_Union[_common_pb2.AudioAccess, _Mapping]] = ..., actors: _Optional[_Iterable[_Union[ActorSummary, _Mapping]]] = ..., view_count: _Optional[int] = ..., take_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tokens: _Optional[_Iterable[_Union[Token, _Mapping]]] = ..., token_count: _Optional[int] = ..., video_start_seconds: _Optional[float] = ..., video_end_seconds: _Optional[float] = ..., collections: _Optional[_Iterable[str]] = ..., pitch_track: _Optional[_Iterable[_Union[_common_pb2.PitchPoint, _Mapping]]] = ...) -> None: ...

class Token(_message.Message):
    __slots__ = ("id", "external_id", "script_id", "actor", "position", "text", "translation", "start_seconds", "end_seconds", "words", "reference_audio", "reference_pitch", "reference_key", "view_count", "take_count", "language", "script_title", "reference_duration_seconds", "video_start_seconds", "video_end_seconds", "video_words")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TRANSLATION_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_AUDIO_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_PITCH_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_KEY_FIELD_NUMBER: _ClassVar[int]
    VIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    TAKE_COUNT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_TITLE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_WORDS_FIELD_NUMBER: _ClassVar[int]
    id: int
    external_id: str
    script_id: int
    actor: ActorSummary
    position: int
    text: str
    translation: str
    start_seconds: float
    end_seconds: float
    words: _containers.RepeatedCompositeFieldContainer[_common_pb2.WordTiming]
    reference_audio: _common_pb2.AudioAccess
    reference_pitch: _containers.RepeatedCompositeFieldContainer[_common_pb2.PitchPoint]
    reference_key: str
    view_count: int
    take_count: int
    language: str
    script_title: str
    reference_duration_seconds: float
    video_start_seconds: float
    video_end_seconds: float
    video_words: _containers.RepeatedCompositeFieldContainer[VideoWord]
    def __init__(self, id: _Optional[int] = ..., external_id: _Optional[str] = ..., script_id: _Optional[int] = ..., actor: _Optional[_Union[ActorSummary, _Mapping]] = ..., position: _Optional[int] = ..., text: _Optional[str] = ..., translation: _Optional[str] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., words: _Optional[_Iterable[_Union[_common_pb2.WordTiming, _Mapping]]] = ..., reference_audio: _Optional[_Union[_common_pb2.AudioAccess, _Mapping]] = ..., reference_pitch: _Optional[_Iterable[_Union[_common_pb2.PitchPoint, _Mapping]]] = ..., reference_key: _Optional[str] = ..., view_count: _Optional[int] = ..., take_count: _Optional[int] = ..., language: _Optional[str] = ..., script_title: _Optional[str] = ..., reference_duration_seconds: _Optional[float] = ..., video_start_seconds: _Optional[float] = ..., video_end_seconds: _Optional[float] = ..., video_words: _Optional[_Iterable[_Union[VideoWord, _Mapping]]] = ...) -> None: ...

class VideoWord(_message.Message):
    __slots__ = ("word", "start_seconds", "end_seconds", "probability")
    WORD_FIELD_NUMBER: _ClassVar[int]
    START_SECONDS_FIELD_NUMBER: _ClassVar[int]
    END_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    word: str
    start_seconds: float
    end_seconds: float
    probability: float
    def __init__(self, word: _Optional[str] = ..., start_seconds: _Optional[float] = ..., end_seconds: _Optional[float] = ..., probability: _Optional[float] = ...) -> None: ...

class ListScriptsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "category", "actor_id", "language", "query", "order_by", "kind", "collection", "source_video_url", "actor_name")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    ACTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    category: str
    actor_id: int
    language: str
    query: str
    order_by: ScriptOrder
    kind: ScriptKind
    collection: str
    source_video_url: str
    actor_name: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., category: _Optional[str] = ..., actor_id: _Optional[int] = ..., language: _Optional[str] = ..., query: _Optional[str] = ..., order_by: _Optional[_Union[ScriptOrder, str]] = ..., kind: _Optional[_Union[ScriptKind, str]] = ..., collection: _Optional[str] = ..., source_video_url: _Optional[str] = ..., actor_name: _Optional[str] = ...) -> None: ...

class ListScriptsResponse(_message.Message):
    __slots__ = ("scripts", "next_page_token")
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scripts: _containers.RepeatedCompositeFieldContainer[Script]
    next_page_token: str
    def __init__(self, scripts: _Optional[_Iterable[_Union[Script, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetScriptRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class GetTokenRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class ListActorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "query")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    query: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., query: _Optional[str] = ...) -> None: ...

class ListActorsResponse(_message.Message):
    __slots__ = ("actors", "next_page_token")
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    actors: _containers.RepeatedCompositeFieldContainer[Actor]
    next_page_token: str
    def __init__(self, actors: _Optional[_Iterable[_Union[Actor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetActorRequest(_message.Message):
    __slots__ = ("actor_id",)
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    actor_id: int
    def __init__(self, actor_id: _Optional[int] = ...) -> None: ...

class RecordViewRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class RecordViewResponse(_message.Message):
    __slots__ = ("token_id", "view_count")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    view_count: int
    def __init__(self, token_id: _Optional[int] = ..., view_count: _Optional[int] = ...) -> None: ...

class ReadReferenceAudioRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class ReadReferenceAudioResponse(_message.Message):
    __slots__ = ("content_type", "chunk")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    chunk: bytes
    def __init__(self, content_type: _Optional[str] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class CreateScriptRequest(_message.Message):
    __slots__ = ("script", "request_id")
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    script: Script
    request_id: str
    def __init__(self, script: _Optional[_Union[Script, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateScriptRequest(_message.Message):
    __slots__ = ("script", "update_mask")
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    script: Script
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, script: _Optional[_Union[Script, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteScriptRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class DeleteScriptResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("token", "request_id")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    token: Token
    request_id: str
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateTokenRequest(_message.Message):
    __slots__ = ("token", "update_mask")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    token: Token
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, token: _Optional[_Union[Token, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteTokenRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class DeleteTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CreateActorRequest(_message.Message):
    __slots__ = ("actor", "request_id")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    request_id: str
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class UpdateActorRequest(_message.Message):
    __slots__ = ("actor", "update_mask")
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    actor: Actor
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, actor: _Optional[_Union[Actor, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteActorRequest(_message.Message):
    __slots__ = ("actor_id",)
    ACTOR_ID_FIELD_NUMBER: _ClassVar[int]
    actor_id: int
    def __init__(self, actor_id: _Optional[int] = ...) -> None: ...

class DeleteActorResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TokenSummary(_message.Message):
    __slots__ = ("id", "script_id", "text", "actor", "position")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: int
    script_id: int
    text: str
    actor: ActorSummary
    position: int
    def __init__(self, id: _Optional[int] = ..., script_id: _Optional[int] = ..., text: _Optional[str] = ..., actor: _Optional[_Union[ActorSummary, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class ScriptSummary(_message.Message):
    __slots__ = ("id", "title", "work_title", "category", "thumbnail_url", "source_video_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    WORK_TITLE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_URL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    id: int
    title: str
    work_title: str
    category: str
    thumbnail_url: str
    source_video_url: str
    def __init__(self, id: _Optional[int] = ..., title: _Optional[str] = ..., work_title: _Optional[str] = ..., category: _Optional[str] = ..., thumbnail_url: _Optional[str] = ..., source_video_url: _Optional[str] = ...) -> None: ...

class Bookmark(_message.Message):
    __slots__ = ("token_id", "create_time", "token", "script")
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    create_time: _timestamp_pb2.Timestamp
    token: TokenSummary
    script: ScriptSummary
    def __init__(self, token_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., token: _Optional[_Union[TokenSummary, _Mapping]] = ..., script: _Optional[_Union[ScriptSummary, _Mapping]] = ...) -> None: ...

class ListBookmarksRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBookmarksResponse(_message.Message):
    __slots__ = ("bookmarks", "next_page_token")
    BOOKMARKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bookmarks: _containers.RepeatedCompositeFieldContainer[Bookmark]
    next_page_token: str
    def __init__(self, bookmarks: _Optional[_Iterable[_Union[Bookmark, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateBookmarkRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class DeleteBookmarkRequest(_message.Message):
    __slots__ = ("token_id",)
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    token_id: int
    def __init__(self, token_id: _Optional[int] = ...) -> None: ...

class DeleteBookmarkResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RecordScriptViewRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class RecordScriptViewResponse(_message.Message):
    __slots__ = ("script_id", "view_count")
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    view_count: int
    def __init__(self, script_id: _Optional[int] = ..., view_count: _Optional[int] = ...) -> None: ...

class Duet(_message.Message):
    __slots__ = ("source_video_url", "scripts")
    SOURCE_VIDEO_URL_FIELD_NUMBER: _ClassVar[int]
    SCRIPTS_FIELD_NUMBER: _ClassVar[int]
    source_video_url: str
    scripts: _containers.RepeatedCompositeFieldContainer[Script]
    def __init__(self, source_video_url: _Optional[str] = ..., scripts: _Optional[_Iterable[_Union[Script, _Mapping]]] = ...) -> None: ...

class ListDuetsRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListDuetsResponse(_message.Message):
    __slots__ = ("duets",)
    DUETS_FIELD_NUMBER: _ClassVar[int]
    duets: _containers.RepeatedCompositeFieldContainer[Duet]
    def __init__(self, duets: _Optional[_Iterable[_Union[Duet, _Mapping]]] = ...) -> None: ...

class ScriptBookmark(_message.Message):
    __slots__ = ("id", "script_id", "create_time", "script")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCRIPT_FIELD_NUMBER: _ClassVar[int]
    id: int
    script_id: int
    create_time: _timestamp_pb2.Timestamp
    script: Script
    def __init__(self, id: _Optional[int] = ..., script_id: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., script: _Optional[_Union[Script, _Mapping]] = ...) -> None: ...

class ListScriptBookmarksRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListScriptBookmarksResponse(_message.Message):
    __slots__ = ("bookmarks", "next_page_token")
    BOOKMARKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bookmarks: _containers.RepeatedCompositeFieldContainer[ScriptBookmark]
    next_page_token: str
    def __init__(self, bookmarks: _Optional[_Iterable[_Union[ScriptBookmark, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateScriptBookmarkRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class DeleteScriptBookmarkRequest(_message.Message):
    __slots__ = ("script_id",)
    SCRIPT_ID_FIELD_NUMBER: _ClassVar[int]
    script_id: int
    def __init__(self, script_id: _Optional[int] = ...) -> None: ...

class DeleteScriptBookmarkResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    def __init__(self, deleted: _Optional[bool] = ...) -> None: ...
