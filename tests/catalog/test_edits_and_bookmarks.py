"""Admin-only edits and the signed-in user's bookmarks."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf.field_mask_pb2 import FieldMask

from tests.catalog.conftest import CatalogHarness
from tests.grpc_helpers import expect_error
from yousync.catalog.v1 import catalog_pb2 as pb
from yousync.common.v1 import common_pb2


async def test_edits_need_the_admin_role(catalog: CatalogHarness) -> None:
    stub = catalog.stub
    user = await catalog.sign_in("learner@example.com")
    denied, unauthenticated = grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED
    script = pb.Script(title="Nope")
    await expect_error(
        stub.CreateScript(pb.CreateScriptRequest(script=script), metadata=user), denied, "ADMIN_REQUIRED"
    )
    await expect_error(
        stub.CreateScript(pb.CreateScriptRequest(script=script)), unauthenticated, "AUTHENTICATION_REQUIRED"
    )
    await expect_error(
        stub.CreateScript(pb.CreateScriptRequest(script=script), metadata=[("authorization", "Bearer forged.jwt.x")]),
        unauthenticated,
    )
    report = await catalog.import_demo()
    assert report.scripts == 3
    listing = await stub.ListScripts(pb.ListScriptsRequest())
    target = listing.scripts[0]
    calls = [
        stub.UpdateScript(pb.UpdateScriptRequest(script=pb.Script(id=target.id, title="x")), metadata=user),
        stub.DeleteScript(pb.DeleteScriptRequest(script_id=target.id), metadata=user),
        stub.CreateToken(pb.CreateTokenRequest(token=pb.Token(script_id=target.id, text="x")), metadata=user),
        stub.DeleteToken(pb.DeleteTokenRequest(token_id=1), metadata=user),
        stub.UpdateToken(pb.UpdateTokenRequest(token=pb.Token(id=1, text="x")), metadata=user),
        stub.CreateActor(pb.CreateActorRequest(actor=pb.Actor(name="x")), metadata=user),
        stub.UpdateActor(pb.UpdateActorRequest(actor=pb.Actor(id=1, name="x")), metadata=user),
        stub.DeleteActor(pb.DeleteActorRequest(actor_id=1), metadata=user),
    ]
    for call in calls:
        await expect_error(call, denied, "ADMIN_REQUIRED")
    still = await stub.GetScript(pb.GetScriptRequest(script_id=target.id))
    assert still.title == target.title and still.token_count == target.token_count


async def test_admin_crud_with_field_masks_and_idempotent_creates(catalog: CatalogHarness) -> None:
    stub, admin = catalog.stub, await catalog.admin()
    request = pb.CreateScriptRequest(
        script=pb.Script(title="Sonnet 18", work_title="Sonnets", kind=pb.SCRIPT_KIND_OTHER, category="poetry"),
        request_id="req-1",
    )
    first, again = await asyncio.gather(
        stub.CreateScript(request, metadata=admin), stub.CreateScript(request, metadata=admin)
    )
    assert first.id == again.id
    assert len((await stub.ListScripts(pb.ListScriptsRequest())).scripts) == 1

    actor = await stub.CreateActor(
        pb.CreateActorRequest(actor=pb.Actor(name="The Poet", aliases=["Will"])), metadata=admin
    )
    token = await stub.CreateToken(
        pb.CreateTokenRequest(
            token=pb.Token(
                script_id=first.id,
                actor=pb.ActorSummary(id=actor.id),
                text="Shall I compare thee to a summer's day?",
                start_seconds=1.0,
                end_seconds=3.0,
                words=[common_pb2.WordTiming(word="Shall", start_seconds=0.0, end_seconds=0.3)],
            )
        ),
        metadata=admin,
    )
    assert token.position == 1 and token.actor.name == "The Poet" and not token.HasField("reference_audio")
    found = await stub.ListScripts(pb.ListScriptsRequest(query="summer will"))
    assert [s.id for s in found.scripts] == [first.id]

    updated = await stub.UpdateScript(
        pb.UpdateScriptRequest(
            script=pb.Script(id=first.id, title="Sonnet XVIII", category="ignored"),
            update_mask=FieldMask(paths=["title"]),
        ),
        metadata=admin,
    )
    assert updated.title == "Sonnet XVIII" and updated.category == "poetry"
    await expect_error(
        stub.UpdateScript(
            pb.UpdateScriptRequest(script=pb.Script(id=first.id), update_mask=FieldMask(paths=["view_count"])),
            metadata=admin,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_UPDATE_MASK",
    )
    await expect_error(
        stub.UpdateToken(
            pb.UpdateTokenRequest(
                token=pb.Token(id=token.id, end_seconds=0.5), update_mask=FieldMask(paths=["end_seconds"])
            ),
            metadata=admin,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "END_BEFORE_START",
    )
    await expect_error(
        stub.UpdateToken(
            pb.UpdateTokenRequest(
                token=pb.Token(
                    id=token.id, words=[common_pb2.WordTiming(word="day", start_seconds=1.5, end_seconds=2.5)]
                ),
                update_mask=FieldMask(paths=["words"]),
            ),
            metadata=admin,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "WORD_OUTSIDE_LINE",
    )
    moved = await stub.UpdateToken(
        pb.UpdateTokenRequest(
            token=pb.Token(id=token.id, text="Thou art more lovely"), update_mask=FieldMask(paths=["text"])
        ),
        metadata=admin,
    )
    assert moved.text == "Thou art more lovely" and moved.start_seconds == 1.0
    renamed = await stub.UpdateActor(
        pb.UpdateActorRequest(actor=pb.Actor(id=actor.id, name="Shakespeare"), update_mask=FieldMask(paths=["name"])),
        metadata=admin,
    )
    assert renamed.name == "Shakespeare" and list(renamed.aliases) == ["Will"]
    assert [s.id for s in (await stub.ListScripts(pb.ListScriptsRequest(query="shakespeare"))).scripts] == [first.id]

    await expect_error(
        stub.DeleteActor(pb.DeleteActorRequest(actor_id=actor.id), metadata=admin),
        grpc.StatusCode.FAILED_PRECONDITION,
        "ACTOR_IN_USE",
    )
    await expect_error(
        stub.CreateToken(pb.CreateTokenRequest(token=pb.Token(script_id=999, text="x")), metadata=admin),
        grpc.StatusCode.NOT_FOUND,
        "SCRIPT_NOT_FOUND",
    )
    await stub.DeleteToken(pb.DeleteTokenRequest(token_id=token.id), metadata=admin)
    await expect_error(
        stub.GetToken(pb.GetTokenRequest(token_id=token.id)), grpc.StatusCode.NOT_FOUND, "TOKEN_NOT_FOUND"
    )
    await stub.DeleteActor(pb.DeleteActorRequest(actor_id=actor.id), metadata=admin)
    await stub.DeleteScript(pb.DeleteScriptRequest(script_id=first.id), metadata=admin)
    await expect_error(
        stub.GetScript(pb.GetScriptRequest(script_id=first.id)), grpc.StatusCode.NOT_FOUND, "SCRIPT_NOT_FOUND"
    )
    await expect_error(
        stub.DeleteScript(pb.DeleteScriptRequest(script_id=first.id), metadata=admin),
        grpc.StatusCode.NOT_FOUND,
        "SCRIPT_NOT_FOUND",
    )


async def test_bookmarks_are_idempotent_and_private(catalog: CatalogHarness) -> None:
    stub = catalog.stub
    await catalog.import_demo()
    script = await stub.GetScript(
        pb.GetScriptRequest(script_id=(await stub.ListScripts(pb.ListScriptsRequest())).scripts[0].id)
    )
    token_a, token_b = script.tokens[0], script.tokens[1]
    alice, bob = await catalog.sign_in("alice@example.com"), await catalog.sign_in("bob@example.com")

    await expect_error(
        stub.ListBookmarks(pb.ListBookmarksRequest()), grpc.StatusCode.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED"
    )
    await expect_error(
        stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_a.id)),
        grpc.StatusCode.UNAUTHENTICATED,
        "AUTHENTICATION_REQUIRED",
    )
    first, second = await asyncio.gather(
        stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_a.id), metadata=alice),
        stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_a.id), metadata=alice),
    )
    third = await stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_a.id), metadata=alice)
    assert first == second == third
    assert first.token.text == token_a.text and first.script.id == script.id and first.token.actor.name
    await stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=token_b.id), metadata=alice)
    await expect_error(
        stub.CreateBookmark(pb.CreateBookmarkRequest(token_id=99999), metadata=alice),
        grpc.StatusCode.NOT_FOUND,
        "TOKEN_NOT_FOUND",
    )

    mine = await stub.ListBookmarks(pb.ListBookmarksRequest(), metadata=alice)
    assert [b.token_id for b in mine.bookmarks] == [token_b.id, token_a.id]  # newest first
    assert (await stub.ListBookmarks(pb.ListBookmarksRequest(), metadata=bob)).bookmarks == []
    page = await stub.ListBookmarks(pb.ListBookmarksRequest(page_size=1), metadata=alice)
    rest = await stub.ListBookmarks(
        pb.ListBookmarksRequest(page_size=1, page_token=page.next_page_token), metadata=alice
    )
    assert [b.token_id for b in [*page.bookmarks, *rest.bookmarks]] == [token_b.id, token_a.id]
    await expect_error(  # Alice's page token is no good to Bob
        stub.ListBookmarks(pb.ListBookmarksRequest(page_size=1, page_token=page.next_page_token), metadata=bob),
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_PAGE_TOKEN",
    )

    # Bob can't delete Alice's bookmark: NOT_FOUND, and it stays.
    await expect_error(
        stub.DeleteBookmark(pb.DeleteBookmarkRequest(token_id=token_a.id), metadata=bob),
        grpc.StatusCode.NOT_FOUND,
        "BOOKMARK_NOT_FOUND",
    )
    assert len((await stub.ListBookmarks(pb.ListBookmarksRequest(), metadata=alice)).bookmarks) == 2
    await stub.DeleteBookmark(pb.DeleteBookmarkRequest(token_id=token_a.id), metadata=alice)
    await expect_error(
        stub.DeleteBookmark(pb.DeleteBookmarkRequest(token_id=token_a.id), metadata=alice),
        grpc.StatusCode.NOT_FOUND,
        "BOOKMARK_NOT_FOUND",
    )
    assert [b.token_id for b in (await stub.ListBookmarks(pb.ListBookmarksRequest(), metadata=alice)).bookmarks] == [
        token_b.id
    ]
