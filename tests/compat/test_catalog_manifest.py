"""The import manifest's frontend fields: strict YouTube links, video offsets, collections, word
confidence; every problem names the file and the entry. No servers needed."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.compat.conftest import CATALOG, GENRES
from yousync_catalog.importer import ImportFailed, parse_manifest

BASE: dict[str, Any] = yaml.safe_load((CATALOG / "catalog.yaml").read_text(encoding="utf-8"))


def _write(root: Path, manifest: dict[str, Any]) -> Path:
    (root / "audio").mkdir(exist_ok=True)
    for audio in (CATALOG / "audio").iterdir():
        (root / "audio" / audio.name).write_bytes(audio.read_bytes())
    path = root / "catalog.yaml"
    path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    return path


def test_the_test_catalog_has_what_the_frontend_queries() -> None:
    actors, scenes = parse_manifest(CATALOG / "catalog.yaml")
    categories = {scene.values["category"] for scene in scenes}
    assert set(GENRES) <= categories
    assert any("sync-collection" in scene.values["collections"] for scene in scenes)
    by_url: dict[str, list[str]] = {}
    for scene in scenes:
        assert scene.values["source_video_url"].startswith("https://www.youtube.com/watch?v=")
        by_url.setdefault(scene.values["source_video_url"], []).append(scene.external_id)
    assert sorted(len(ids) for ids in by_url.values())[-1] == 2  # one duet pair
    assert any(" " in name for name, _ in actors.values())
    words = [w for scene in scenes for line in scene.lines for w in line.words]
    assert any(len(w) == 4 and 0 < w[3] < 1 for w in words)  # stored confidence
    assert all(scene.values["video_start_seconds"] >= 0 for scene in scenes)


@pytest.mark.parametrize(
    "url",
    [
        "https://youtu.be/cmpRomance1",
        "https://www.youtube.com/watch?v=cmpRomance1&t=30",
        "http://www.youtube.com/watch?v=cmpRomance1",
        "https://youtube.com/watch?v=cmpRomance1",
        "https://www.youtube.com/watch?v=short",
        "javascript:alert(1)",
    ],
)
def test_a_video_link_must_be_the_strict_watch_form(tmp_path: Path, url: str) -> None:
    manifest = copy.deepcopy(BASE)
    manifest["scripts"][1]["source_video_url"] = url
    with pytest.raises(ImportFailed) as failed:
        parse_manifest(_write(tmp_path, manifest))
    assert len(failed.value.problems) == 1
    problem = failed.value.problems[0]
    assert problem.startswith("catalog.yaml: scripts[1] (compat-action): source_video_url")
    assert "https://www.youtube.com/watch?v=" in problem


def test_offsets_collections_and_confidence_are_validated(tmp_path: Path) -> None:
    manifest = copy.deepcopy(BASE)
    manifest["scripts"][0]["video_start_seconds"] = -1
    manifest["scripts"][2]["collections"] = ["Sync Collection!"]
    manifest["scripts"][3]["collections"] = "sync-collection"
    manifest["scripts"][4]["tokens"][0]["words"][0]["probability"] = 1.5
    manifest["scripts"][5]["tokens"][1]["words"][0]["probability"] = "high"
    with pytest.raises(ImportFailed) as failed:
        parse_manifest(_write(tmp_path, manifest))
    problems = failed.value.problems
    assert problems == [
        "catalog.yaml: scripts[0] (compat-romance): video_start_seconds must not be negative",
        "catalog.yaml: scripts[2] (compat-animation): collections: collection 'Sync Collection!': "
        "1-64 lower-case letters, digits, '-' or '_'",
        "catalog.yaml: scripts[3] (compat-comedy): collections: collections must be a list of names",
        "catalog.yaml: scripts[4] (compat-fantasy) tokens[0] (compat-fantasy-01) words[0]: "
        "probability 1.5 must be between 0 and 1",
        "catalog.yaml: scripts[5] (compat-drama) tokens[1] (compat-drama-02) words[0]: probability must be a number",
    ]
