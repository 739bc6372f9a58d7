"""The catalog's clip RPCs and fields over gRPC: admin edits keep YouTube links strict and collections
well-formed, the video timeline is served on lines and words, clip bookmarks answer ALREADY_EXISTS."""

from __future__ import annotations

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from tests.fixtures.suite import Flow
from tests.grpc_helpers import expect_error
from yousync.catalog.v1 import catalog_pb2 as pb


async def test_admin_edits_validate_video_links_and_collections(flow: Flow) -> None:
    stub, admin = flow.catalog.stub, await flow.catalog.admin()
    bad = grpc.StatusCode.INVALID_ARGUMENT
    for url in ("https://youtu.be/cmpRomance1", "https://www.youtube.com/watch?v=cmpRomance1&t=1"):
        await expect_error(
            stub.CreateScript(
                pb.CreateScriptRequest(script=pb.Script(title="x", source_video_url=url)), metadata=admin
            ),
            bad,
            "INVALID_VIDEO_URL",
        )
    await expect_error(
        stub.CreateScript(
            pb.CreateScriptRequest(script=pb.Script(title="x", collections=["Bad Name"])), metadata=admin
        ),
        bad,
        "INVALID_COLLECTIONS",
    )
    await expect_error(
        stub.CreateScript(pb.CreateScriptRequest(script=pb.Script(title="x", video_start_seconds=-1)), metadata=admin),
        bad,
        "INVALID_VIDEO_START",
    )
    created = await stub.CreateScript(
        pb.CreateScriptRequest(
            script=pb.Script(
                title="Compat edit",
                source_video_url="https://www.youtube.com/watch?v=cmpEdit0001",
                video_start_seconds=3.5,
                duration_seconds=10,
                collections=["sync-collection"],
            )
        ),
        metadata=admin,
    )
    try:
        assert created.video_start_seconds == 3.5 and created.video_end_seconds == 13.5
        assert list(created.collections) == ["sync-collection"]
        updated = await stub.UpdateScript(
            pb.UpdateScriptRequest(
                script=pb.Script(id=created.id, collections=[]), update_mask=FieldMask(paths=["collections"])
            ),
            metadata=admin,
        )
        assert list(updated.collections) == [] and updated.video_start_seconds == 3.5
        listed = await stub.ListScripts(pb.ListScriptsRequest(collection="sync-collection", page_size=100))
        assert created.id not in {s.id for s in listed.scripts}
    finally:
        await stub.DeleteScript(pb.DeleteScriptRequest(script_id=created.id), metadata=admin)


async def test_lines_and_words_on_the_video_timeline(flow: Flow, clips: dict[str, int]) -> None:
    stub = flow.catalog.stub
    script = await stub.GetScript(pb.GetScriptRequest(script_id=clips["compat-action"]))
    assert script.video_start_seconds == 40.5
    first = script.tokens[0]
    assert (first.start_seconds, first.video_start_seconds, first.video_end_seconds) == (0.0, 40.5, 41.7)
    assert first.video_words[0].start_seconds == first.words[0].start_seconds + 40.5
    assert 0 < first.video_words[0].probability < 1
    line = await stub.GetToken(pb.GetTokenRequest(token_id=first.id))
    assert line.video_start_seconds == 40.5 and len(line.video_words) == len(line.words)
    assert script.pitch_track and all(40.5 <= p.time_seconds <= 40.5 + 2.7 for p in script.pitch_track)
    by_video = await stub.ListScripts(
        pb.ListScriptsRequest(source_video_url="https://www.youtube.com/watch?v=cmpAction01")
    )
    assert [s.id for s in by_video.scripts] == [script.id]
    by_actor = await stub.ListScripts(pb.ListScriptsRequest(actor_name="park JI hoon", page_size=100))
    assert script.id in {s.id for s in by_actor.scripts}
    await expect_error(
        stub.ListScripts(pb.ListScriptsRequest(actor_name="x" * 201)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "QUERY_TOO_LONG",
    )


async def test_clip_bookmarks_and_views(flow: Flow, clips: dict[str, int]) -> None:
    stub = flow.catalog.stub
    user = await flow.catalog.sign_in("compat-rpc@example.com")
    clip_id = clips["compat-animation"]
    await expect_error(
        stub.CreateScriptBookmark(pb.CreateScriptBookmarkRequest(script_id=clip_id)),
        grpc.StatusCode.UNAUTHENTICATED,
        "AUTHENTICATION_REQUIRED",
    )
    created = await stub.CreateScriptBookmark(pb.CreateScriptBookmarkRequest(script_id=clip_id), metadata=user)
    assert created.script_id == clip_id and created.script.title == "Compat animation scene"
    await expect_error(
        stub.CreateScriptBookmark(pb.CreateScriptBookmarkRequest(script_id=clip_id), metadata=user),
        grpc.StatusCode.ALREADY_EXISTS,
        "BOOKMARK_EXISTS",
    )
    await expect_error(
        stub.CreateScriptBookmark(pb.CreateScriptBookmarkRequest(script_id=10**12), metadata=user),
        grpc.StatusCode.NOT_FOUND,
        "SCRIPT_NOT_FOUND",
    )
    listed = await stub.ListScriptBookmarks(pb.ListScriptBookmarksRequest(), metadata=user)
    assert [b.script_id for b in listed.bookmarks] == [clip_id]
    assert (await stub.DeleteScriptBookmark(pb.DeleteScriptBookmarkRequest(script_id=clip_id), metadata=user)).deleted
    gone = await stub.DeleteScriptBookmark(pb.DeleteScriptBookmarkRequest(script_id=clip_id), metadata=user)
    assert not gone.deleted

    before = (await stub.GetScript(pb.GetScriptRequest(script_id=clip_id))).view_count
    counted = await stub.RecordScriptView(pb.RecordScriptViewRequest(script_id=clip_id))
    assert (counted.script_id, counted.view_count) == (clip_id, before + 1)
    await expect_error(
        stub.RecordScriptView(pb.RecordScriptViewRequest(script_id=10**12)),
        grpc.StatusCode.NOT_FOUND,
        "SCRIPT_NOT_FOUND",
    )
    await expect_error(
        stub.RecordScriptView(pb.RecordScriptViewRequest(script_id=0)),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_SCRIPT_ID",
    )
    duets = await stub.ListDuets(pb.ListDuetsRequest())
    pair = [d for d in duets.duets if d.source_video_url.endswith("cmpDuet0001")]
    assert [s.id for s in pair[0].scripts] == [clips["compat-duet-a"], clips["compat-duet-b"]]
