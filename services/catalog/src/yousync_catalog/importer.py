"""Import a catalog folder: a manifest (YAML or JSON) of actors, scripts and lines, plus audio files.

Manifest (`catalog.yaml`, `catalog.yml` or `catalog.json` in the folder, or the file itself):

    version: 1
    actors:
      - id: hamlet                      # stable external id (re-import updates in place)
        name: Hamlet
        aliases: [Prince Hamlet]
    scripts:
      - id: hamlet-3-1
        title: To be, or not to be
        work_title: Hamlet
        kind: stage_play                # movie | drama | animation | stage_play | other
        category: tragedy               # free text, one per script (e.g. a genre: 로맨스, 액션, 드라마)
        language: en
        source_video_url: ""            # optional; when set, exactly https://www.youtube.com/watch?v=<11-char id>
        video_start_seconds: 0.0        # optional (default 0): where the scene's timeline starts on that video
        collections: [sync-collection]  # optional curated collections: lower-case letters, digits, '-', '_'
        thumbnail_url: ""               # optional
        duration_seconds: 30.5          # optional: defaults to the last line's end
        background_track: audio/bg.ogg  # optional, relative to the manifest (the scene without its voices)
        tokens:
          - id: hamlet-3-1-01
            actor: hamlet
            text: To be, or not to be, that is the question.
            translation: ""             # optional, e.g. the line in Korean
            start_seconds: 0.0          # on the scene's timeline (+ video_start_seconds = on the video)
            end_seconds: 3.2
            audio: audio/hamlet-3-1-01.ogg   # the line's reference audio; it starts at start_seconds
            words:                      # relative to the start of the line's audio
              - {word: To, start: 0.05, end: 0.2, probability: 0.98}   # probability optional, 0-1 (default 1)

Times on the source video, as the original frontend needs them: a line lies at video_start_seconds +
start_seconds .. video_start_seconds + end_seconds, a word at video_start_seconds + start_seconds + its
start. Two scripts that share a source_video_url (one actor's lines each) form a duet scene. A scene's
pitch track is its lines' reference pitch contours placed at those times (computed, not in the manifest).

Everything is validated before anything is written, and every problem is reported with its file and
entry. Audio goes to the blob store under content-addressed keys (so re-imports upload nothing new
and a failed import leaves at most unreferenced blobs); then the catalog service writes the result
(`CatalogService.apply_import`: ONE transaction upserting actors, scripts and lines by external id and
removing lines that left a re-imported script, then its cached reads dropped).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from yousync_catalog.audio import CONTENT_TYPES, AudioDecodeError, analyse
from yousync_catalog.domain import (
    WORD_TOLERANCE_SECONDS,
    CatalogImport,
    ImportedLine,
    ImportedScript,
    ImportReport,
    ScriptKind,
    check_collections,
    check_video_url,
)
from yousync_catalog.service import CatalogService
from yousync_platform.errors import InvalidArgument

__all__ = ["ImportFailed", "ImportReport", "find_manifest", "import_catalog", "parse_manifest"]

MANIFEST_NAMES = ("catalog.yaml", "catalog.yml", "catalog.json")
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class ImportFailed(Exception):
    """The manifest or its files are invalid; `problems` lists each, naming file and entry."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Line:
    external_id: str
    actor: str
    text: str
    translation: str
    start: float
    end: float
    words: list[list[Any]]
    audio: Path
    where: str
    sha256: str = ""
    content_type: str = ""
    duration: float = 0.0
    pitch: list[list[Any]] = field(default_factory=list)
    blob_key: str = ""


@dataclass
class _Scene:
    external_id: str
    values: dict[str, Any]
    background: Path | None
    lines: list[_Line]
    where: str


def find_manifest(path: Path) -> Path:
    if path.is_file():
        return path
    for name in MANIFEST_NAMES:
        if (path / name).is_file():
            return path / name
    raise ImportFailed([f"{path}: no manifest ({', '.join(MANIFEST_NAMES)}) found"])


def _load(manifest: Path) -> Any:
    try:
        text = manifest.read_text(encoding="utf-8")
        return json.loads(text) if manifest.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        raise ImportFailed([f"{manifest.name}: cannot be parsed: {exc}"]) from None


class _Checker:
    def __init__(self, manifest: Path) -> None:
        self.file = manifest.name
        self.root = manifest.parent
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}")

    def text(self, entry: dict[str, Any], key: str, where: str, *, required: bool = False, limit: int = 300) -> str:
        value = entry.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(where, f"{key} must be a string")
            return ""
        value = value.strip()
        if required and not value:
            self.fail(where, f"{key} is required")
        if len(value) > limit:
            self.fail(where, f"{key} must be at most {limit} characters")
        return str(value)

    def number(self, entry: dict[str, Any], key: str, where: str, *, default: float | None = None) -> float:
        value = entry.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"{key} must be a number" if key in entry else f"{key} is required")
            return 0.0
        return float(value)

    def video_url(self, entry: dict[str, Any], where: str) -> str:
        value = self.text(entry, "source_video_url", where, limit=2000)
        try:
            return check_video_url(value)
        except InvalidArgument:
            self.fail(
                where,
                f"source_video_url {value!r} must be exactly https://www.youtube.com/watch?v=<11-character id> "
                "(no youtu.be links, nothing after the id)",
            )
            return ""

    def collections(self, entry: dict[str, Any], where: str) -> list[str]:
        value = entry.get("collections")
        if value is None:
            return []
        try:
            return list(check_collections(value))
        except InvalidArgument as exc:
            self.fail(where, f"collections: {exc.message}")
            return []

    def ident(self, entry: dict[str, Any], where: str, seen: set[str]) -> str:
        value = entry.get("id")
        if not isinstance(value, str) or not value or len(value) > 128 or not set(value) <= _ID_CHARS:
            self.fail(where, "id is required: 1-128 letters, digits, '-', '_' or '.'")
            return ""
        if value in seen:
            self.fail(where, f"duplicate id {value!r}")
        seen.add(value)
        return value

    def file_path(self, value: Any, key: str, where: str) -> Path:
        if not isinstance(value, str) or not value:
            self.fail(where, f"{key} is required (a path relative to the manifest)")
            return self.root
        path = (self.root / value).resolve()
        if self.root.resolve() not in path.parents:
            self.fail(where, f"{key} {value!r} is outside the catalog folder")
        elif not path.is_file():
            self.fail(where, f"{key} file {value!r} not found")
        elif path.suffix.lower() not in CONTENT_TYPES:
            self.fail(where, f"{key} {value!r}: unsupported audio type {path.suffix!r}")
        return path


def parse_manifest(manifest: Path) -> tuple[dict[str, tuple[str, list[str]]], list[_Scene]]:
    """Validate the whole manifest; ImportFailed with every problem found."""
    data = _load(manifest)
    check = _Checker(manifest)
    if not isinstance(data, dict):
        raise ImportFailed([f"{check.file}: the manifest must be a mapping with 'actors' and 'scripts'"])
    if data.get("version", 1) != 1:
        check.fail("version", "only version 1 is supported")

    actors: dict[str, tuple[str, list[str]]] = {}
    raw_actors = data.get("actors") or []
    if not isinstance(raw_actors, list):
        check.fail("actors", "must be a list")
        raw_actors = []
    for index, entry in enumerate(raw_actors):
        where = f"actors[{index}]"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping")
            continue
        actor_id = check.ident(entry, where, set(actors))
        where = f"actors[{index}] ({actor_id or '?'})"
        name = check.text(entry, "name", where, required=True, limit=200)
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            check.fail(where, "aliases must be a list of non-empty strings")
            aliases = []
        if actor_id:
            actors[actor_id] = (name, [a.strip() for a in aliases])

    scenes: list[_Scene] = []
    scene_ids: set[str] = set()
    line_ids: set[str] = set()
    raw_scripts = data.get("scripts") or []
    if not isinstance(raw_scripts, list) or not raw_scripts:
        check.fail("scripts", "must be a non-empty list")
        raw_scripts = []
    for index, entry in enumerate(raw_scripts):
        where = f"scripts[{index}]"
        if not isinstance(entry, dict):
            check.fail(where, "must be a mapping")
            continue
        script_id = check.ident(entry, where, scene_ids)
        where = f"scripts[{index}] ({script_id or '?'})"
        kind = entry.get("kind", "other")
        if kind not in ScriptKind._value2member_map_:
            check.fail(where, f"kind must be one of {', '.join(k.value for k in ScriptKind)}")
            kind = "other"
        values: dict[str, Any] = {
            "title": check.text(entry, "title", where, required=True),
            "work_title": check.text(entry, "work_title", where),
            "kind": kind,
            "category": check.text(entry, "category", where, limit=100),
            "language": check.text(entry, "language", where, limit=35),
            "source_video_url": check.video_url(entry, where),
            "thumbnail_url": check.text(entry, "thumbnail_url", where, limit=2000),
            "video_start_seconds": check.number(entry, "video_start_seconds", where, default=0.0),
            "collections": check.collections(entry, where),
        }
        if values["video_start_seconds"] < 0:
            check.fail(where, "video_start_seconds must not be negative")
        background = None
        if entry.get("background_track"):
            background = check.file_path(entry["background_track"], "background_track", where)
        lines: list[_Line] = []
        raw_tokens = entry.get("tokens") or []
        if not isinstance(raw_tokens, list) or not raw_tokens:
            check.fail(where, "tokens must be a non-empty list")
            raw_tokens = []
        for t_index, token in enumerate(raw_tokens):
            t_where = f"{where} tokens[{t_index}]"
            if not isinstance(token, dict):
                check.fail(t_where, "must be a mapping")
                continue
            token_id = check.ident(token, t_where, line_ids)
            t_where = f"{where} tokens[{t_index}] ({token_id or '?'})"
            actor = token.get("actor")
            if not isinstance(actor, str) or actor not in actors:
                check.fail(t_where, f"actor {actor!r} is not one of the manifest's actors")
            start = check.number(token, "start_seconds", t_where)
            end = check.number(token, "end_seconds", t_where)
            if start < 0:
                check.fail(t_where, "start_seconds must not be negative")
            if end < start:
                check.fail(t_where, f"end_seconds {end} precedes start_seconds {start}")
            words: list[list[Any]] = []
            raw_words = token.get("words") or []
            if not isinstance(raw_words, list):
                check.fail(t_where, "words must be a list")
                raw_words = []
            for w_index, word in enumerate(raw_words):
                w_where = f"{t_where} words[{w_index}]"
                if not isinstance(word, dict):
                    check.fail(w_where, "must be a mapping {word, start, end}")
                    continue
                text = check.text(word, "word", w_where, required=True, limit=100)
                w_start = check.number(word, "start", w_where)
                w_end = check.number(word, "end", w_where)
                probability = check.number(word, "probability", w_where, default=1.0)
                if not 0.0 <= probability <= 1.0:
                    check.fail(w_where, f"probability {probability} must be between 0 and 1")
                if w_end < w_start:
                    check.fail(w_where, f"{text!r} ends ({w_end}) before it starts ({w_start})")
                elif w_start < -WORD_TOLERANCE_SECONDS or w_end > (end - start) + WORD_TOLERANCE_SECONDS:
                    check.fail(
                        w_where,
                        f"{text!r} at {w_start}-{w_end}s lies outside its line (0-{max(end - start, 0):.3f}s)",
                    )
                words.append([text, w_start, w_end] if probability == 1.0 else [text, w_start, w_end, probability])
            lines.append(
                _Line(
                    external_id=token_id,
                    actor=actor if isinstance(actor, str) else "",
                    text=check.text(token, "text", t_where, required=True, limit=2000),
                    translation=check.text(token, "translation", t_where, limit=2000),
                    start=start,
                    end=end,
                    words=words,
                    audio=check.file_path(token.get("audio"), "audio", t_where),
                    where=t_where,
                )
            )
        duration = entry.get("duration_seconds")
        if duration is None:
            values["duration_seconds"] = max((line.end for line in lines), default=0.0)
        else:
            values["duration_seconds"] = check.number(entry, "duration_seconds", where)
            if values["duration_seconds"] < 0:
                check.fail(where, "duration_seconds must not be negative")
        scenes.append(_Scene(script_id, values, background, lines, where))
    if check.problems:
        raise ImportFailed(check.problems)
    return actors, scenes


def _blob_key(sha256: str, suffix: str) -> str:
    return f"catalog/audio/{sha256[:2]}/{sha256}{suffix.lower()}"


async def import_catalog(path: Path, service: CatalogService, *, progress: bool = True) -> ImportReport:
    """Validate the catalog at `path`, store its audio in the service's blob store, then have the
    service write it. ImportFailed (nothing written) when the manifest or any audio is invalid."""
    blobs = service.blobs
    manifest = find_manifest(path)
    actors, scenes = parse_manifest(manifest)
    uploaded = 0
    problems: list[str] = []
    lines = [line for scene in scenes for line in scene.lines]
    bar = tqdm(total=len(lines) + len(scenes), desc="audio", unit="file", disable=not progress)
    backgrounds: dict[str, tuple[str, str]] = {}
    try:
        for scene in scenes:
            if scene.background is not None:
                data = scene.background.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                key = _blob_key(sha, scene.background.suffix)
                content_type = CONTENT_TYPES[scene.background.suffix.lower()]
                if not await blobs.exists(key):
                    await blobs.put(key, data, content_type=content_type)
                    uploaded += 1
                backgrounds[scene.external_id] = (key, content_type)
            bar.update(1)
        for line in lines:
            data = line.audio.read_bytes()
            try:
                analysis = analyse(data)
            except AudioDecodeError as exc:
                problems.append(f"{manifest.name}: {line.where}: audio {line.audio.name!r} cannot be decoded: {exc}")
                bar.update(1)
                continue
            line.sha256 = hashlib.sha256(data).hexdigest()
            line.content_type = CONTENT_TYPES[line.audio.suffix.lower()]
            line.duration = analysis.duration_seconds
            line.pitch = [[p.time, p.hz] for p in analysis.pitch]
            line.blob_key = _blob_key(line.sha256, line.audio.suffix)
            if not await blobs.exists(line.blob_key):
                await blobs.put(line.blob_key, data, content_type=line.content_type)
                uploaded += 1
            bar.update(1)
    finally:
        bar.close()
    if problems:
        raise ImportFailed(problems)

    written = await service.apply_import(
        CatalogImport(
            actors=actors,
            scripts=tuple(
                ImportedScript(
                    external_id=scene.external_id,
                    values={
                        **scene.values,
                        "background_blob_key": backgrounds.get(scene.external_id, (None, ""))[0],
                        "background_content_type": backgrounds.get(scene.external_id, (None, ""))[1],
                    },
                    lines=tuple(
                        ImportedLine(
                            external_id=line.external_id,
                            actor=line.actor,
                            values={
                                "text": line.text,
                                "translation": line.translation,
                                "start_seconds": line.start,
                                "end_seconds": line.end,
                                "words": line.words,
                                "reference_blob_key": line.blob_key,
                                "reference_content_type": line.content_type,
                                "reference_sha256": line.sha256,
                                "reference_duration_seconds": line.duration,
                                "reference_pitch": line.pitch,
                            },
                        )
                        for line in scene.lines
                    ),
                )
                for scene in scenes
            ),
        )
    )
    written.uploaded_blobs = uploaded
    return written
