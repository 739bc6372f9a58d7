"""The import CLI: validation naming file and entry, atomicity, re-import in place."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from tests.catalog.conftest import DEMO, CatalogHarness
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync_catalog.importer import ImportFailed, import_catalog


def demo_manifest() -> dict[str, Any]:
    return yaml.safe_load((DEMO / "catalog.yaml").read_text())


def write_catalog(folder: Path, manifest: dict[str, Any], name: str = "catalog.yaml") -> Path:
    if not (folder / "audio").exists():
        shutil.copytree(DEMO / "audio", folder / "audio")
    text = json.dumps(manifest) if name.endswith(".json") else yaml.safe_dump(manifest, allow_unicode=True)
    (folder / name).write_text(text)
    return folder


async def snapshot(catalog: CatalogHarness) -> list[tuple[Any, ...]]:
    async with catalog.uow() as uow:
        rows = await uow.session.execute(
            text(
                "SELECT s.external_id, s.title, t.external_id, t.text, t.position FROM catalog.scripts s "
                "LEFT JOIN catalog.tokens t ON t.script_id = s.id ORDER BY 1, 5"
            )
        )
        return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda m: m["scripts"][1]["tokens"][2].update(audio="audio/missing.ogg"),
            "catalog.yaml: scripts[1] (romeo-juliet-2-2) tokens[2] (romeo-juliet-2-2-03): audio file "
            "'audio/missing.ogg' not found",
        ),
        (
            lambda m: m["scripts"][2]["tokens"][0].update(start_seconds=5.0, end_seconds=4.0),
            "catalog.yaml: scripts[2] (macbeth-1-7) tokens[0] (macbeth-1-7-01): "
            "end_seconds 4.0 precedes start_seconds 5.0",
        ),
        (
            lambda m: m["scripts"][0]["tokens"][1]["words"][0].update(start=9.0, end=9.5),
            "catalog.yaml: scripts[0] (hamlet-3-1) tokens[1] (hamlet-3-1-02) words[0]: 'Whether' at 9.0-9.5s lies "
            "outside its line",
        ),
        (
            lambda m: m["scripts"][0]["tokens"][0].update(actor="yorick"),
            "tokens[0] (hamlet-3-1-01): actor 'yorick' is not one of the manifest's actors",
        ),
        (lambda m: m["scripts"][1].update(id="hamlet-3-1"), "scripts[1]: duplicate id 'hamlet-3-1'"),
    ],
)
async def test_invalid_import_names_file_and_entry_and_changes_nothing(
    catalog: CatalogHarness, tmp_path: Path, mutate: Any, message: str
) -> None:
    await catalog.import_demo()
    before = await snapshot(catalog)
    manifest = copy.deepcopy(demo_manifest())
    manifest["scripts"][0]["title"] = "Changed title that must not land"
    mutate(manifest)
    with pytest.raises(ImportFailed) as failed:
        await catalog.import_demo(write_catalog(tmp_path, manifest))
    assert any(message in problem for problem in failed.value.problems), failed.value.problems
    assert await snapshot(catalog) == before


async def test_undecodable_audio_is_reported_and_changes_nothing(catalog: CatalogHarness, tmp_path: Path) -> None:
    folder = write_catalog(tmp_path, demo_manifest())
    (folder / "audio" / "macbeth-1-7-03.ogg").write_bytes(b"OggS but not really audio" * 10)
    with pytest.raises(ImportFailed) as failed:
        await catalog.import_demo(folder)
    assert (
        "scripts[2] (macbeth-1-7) tokens[2] (macbeth-1-7-03): audio 'macbeth-1-7-03.ogg' cannot be decoded"
        in (failed.value.problems[0])
    )
    assert await snapshot(catalog) == []


async def test_reimport_updates_in_place_by_external_id(catalog: CatalogHarness, tmp_path: Path) -> None:
    await catalog.import_demo()
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_TITLE))
    ids = {s.external_id: s.id for s in listing.scripts}
    hamlet = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=ids["hamlet-3-1"]))
    token_ids = {t.external_id: t.id for t in hamlet.tokens}
    user = await catalog.sign_in("keeper@example.com")
    await catalog.stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_ids["hamlet-3-1-01"]), metadata=user)

    manifest = demo_manifest()
    scene = manifest["scripts"][0]
    scene["title"] = "To be (revised)"
    scene["tokens"][0]["translation"] = "revised translation"
    del scene["tokens"][3]  # a line leaves the scene
    scene["tokens"].reverse()  # and the rest are reordered
    report = await catalog.import_demo(write_catalog(tmp_path, manifest, "catalog.json"))
    assert (report.scripts, report.tokens, report.removed_tokens, report.uploaded_blobs) == (3, 12, 1, 0)

    again = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_TITLE))
    assert {s.external_id: s.id for s in again.scripts} == ids
    revised = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=ids["hamlet-3-1"]))
    assert revised.title == "To be (revised)"
    assert [t.external_id for t in revised.tokens] == ["hamlet-3-1-03", "hamlet-3-1-02", "hamlet-3-1-01"]
    assert {t.external_id: t.id for t in revised.tokens} == {k: v for k, v in token_ids.items() if k != "hamlet-3-1-04"}
    assert revised.tokens[2].translation == "revised translation"
    bookmarks = await catalog.stub.ListBookmarks(pb.ListBookmarksRequest(), metadata=user)
    assert [b.token_id for b in bookmarks.bookmarks] == [token_ids["hamlet-3-1-01"]]  # survived the re-import


async def test_an_import_is_served_at_once(catalog: CatalogHarness, tmp_path: Path) -> None:
    """The importer writes through the catalog service, so the serving catalog's cached reads (lists
    for seconds, details for seconds) never show the state from before the import."""
    assert catalog.settings.list_cache_ttl_seconds >= 2 and catalog.settings.detail_cache_ttl_seconds >= 2
    await catalog.import_demo()
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(query="Hamlet"))  # cached now
    hamlet = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=listing.scripts[0].id))  # cached now
    token = await catalog.stub.GetToken(pb.GetTokenRequest(token_id=hamlet.tokens[0].id))  # cached now
    manifest = demo_manifest()
    manifest["scripts"][0]["title"] = "To be, revised"
    manifest["scripts"][0]["tokens"][0]["text"] = "To be, or not to be: revised."
    report = await import_catalog(write_catalog(tmp_path, manifest), catalog.app.service, progress=False)
    assert (report.scripts, report.tokens, report.removed_tokens) == (3, 13, 0)
    again = await catalog.stub.ListScripts(pb.ListScriptsRequest(query="Hamlet"))
    assert [s.title for s in again.scripts] == ["To be, revised"]
    assert (await catalog.stub.GetScript(pb.GetScriptRequest(script_id=hamlet.id))).title == "To be, revised"
    revised = await catalog.stub.GetToken(pb.GetTokenRequest(token_id=token.id))
    assert revised.text == "To be, or not to be: revised."


def test_cli_reports_problems_and_exits_2(postgres_url: str, tmp_path: Path, blob_root: Path) -> None:
    manifest = demo_manifest()
    manifest["scripts"][0]["tokens"][0]["audio"] = "audio/nope.ogg"
    folder = write_catalog(tmp_path, manifest)
    env = {
        **os.environ,
        "CATALOG_DATABASE_URL": postgres_url,
        "BLOB_BACKEND": "filesystem",
        "BLOB_FS_ROOT": str(blob_root),
        "BLOB_URL_SECRET": "cli-test-url-secret-0123456789",
    }
    result = subprocess.run(
        [sys.executable, "-m", "yousync_catalog", "import", str(folder), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "import failed, nothing was changed" in result.stderr
    assert "catalog.yaml: scripts[0] (hamlet-3-1) tokens[0] (hamlet-3-1-01): audio file 'audio/nope.ogg' not found" in (
        result.stderr
    )
