"""Public reads: scripts, tokens, actors; ordering, search, pagination; bad input."""

from __future__ import annotations

import asyncio

import grpc

from tests.catalog.conftest import CatalogHarness
from tests.grpc_helpers import expect_error
from yousync.catalog.v1 import catalog_pb2 as pb


async def test_demo_import_and_get_script_with_tokens_in_order(catalog: CatalogHarness) -> None:
    report = await catalog.import_demo()
    assert (report.scripts, report.tokens, report.actors) == (3, 13, 6)
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_TITLE))
    assert [s.external_id for s in listing.scripts] == ["romeo-juliet-2-2", "hamlet-3-1", "macbeth-1-7"]
    hamlet = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=listing.scripts[1].id))
    assert hamlet.token_count == 4 and [t.position for t in hamlet.tokens] == [1, 2, 3, 4]
    assert [a.name for a in hamlet.actors] == ["Hamlet", "Ophelia"]
    starts = [t.start_seconds for t in hamlet.tokens]
    assert starts == sorted(starts)
    assert hamlet.kind == pb.SCRIPT_KIND_STAGE_PLAY and hamlet.language == "en"
    first = hamlet.tokens[0]
    assert first.text.startswith("To be, or not to be")
    assert first.reference_audio.url.startswith(f"http://127.0.0.1:{catalog.gateway.port}/api/blobs/catalog/audio/")


async def test_get_token_words_pitch_and_signed_audio_url(catalog: CatalogHarness) -> None:
    await catalog.import_demo()
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(query="balcony romeo"))
    assert not listing.scripts  # every term must match
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(query="wherefore"))
    script = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=listing.scripts[0].id))
    token = await catalog.stub.GetToken(pb.GetTokenRequest(token_id=script.tokens[2].id))
    assert token.actor.name == "Juliet" and token.script_title.startswith("But, soft")
    assert [w.word for w in token.words][:3] == ["O", "Romeo", "Romeo"]
    length = token.end_seconds - token.start_seconds
    assert all(0 <= w.start_seconds <= w.end_seconds <= length + 0.05 for w in token.words)
    assert len(token.reference_pitch) > 20
    voiced = [p.hz for p in token.reference_pitch if p.HasField("hz")]
    assert voiced and all(60 < hz < 700 for hz in voiced)
    assert any(not p.HasField("hz") for p in token.reference_pitch)  # unvoiced frames are absent
    assert len(token.reference_key) == 64 and token.reference_duration_seconds > 1
    access = token.reference_audio
    assert access.content_type == "audio/ogg" and access.expire_time.seconds > 0

    # The signed URL fetches exactly the stored bytes; a tampered one is refused.
    response = await catalog.http.get(access.url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/ogg"
    expected = catalog.app.blobs.root / "catalog/audio" / token.reference_key[:2] / f"{token.reference_key}.ogg"  # type: ignore[attr-defined]
    assert response.content == expected.read_bytes() and response.content[:4] == b"OggS"
    tampered = access.url.replace("signature=", "signature=x")
    assert (await catalog.http.get(tampered)).status_code == 403
    other_key = access.url.replace(token.reference_key, "0" * 64)
    assert (await catalog.http.get(other_key)).status_code == 403


async def test_search_over_title_work_actor_alias_and_line_text(catalog: CatalogHarness) -> None:
    await catalog.import_demo()

    async def search(query: str, **filters: object) -> list[str]:
        response = await catalog.stub.ListScripts(pb.ListScriptsRequest(query=query, **filters))  # type: ignore[arg-type]
        return sorted(s.external_id for s in response.scripts)

    assert await search("hamlet") == ["hamlet-3-1"]  # work title and actor
    assert await search("SLINGS and arrows") == ["hamlet-3-1"]  # line text, case-insensitive
    assert await search("thane") == ["macbeth-1-7"]  # actor alias
    assert await search("lady") == ["macbeth-1-7"]
    assert await search("yonder window") == ["romeo-juliet-2-2"]
    assert await search("the") == ["hamlet-3-1", "macbeth-1-7", "romeo-juliet-2-2"]
    assert await search("%") == [] and await search("_") == []  # wildcards are literal
    assert await search("", category="로맨스") == ["romeo-juliet-2-2"]
    assert await search("", language="ko") == []
    actors = await catalog.stub.ListActors(pb.ListActorsRequest(query="juliet"))
    juliet = actors.actors[0]
    assert await search("", actor_id=juliet.id) == ["romeo-juliet-2-2"]
    assert await search("fail", actor_id=juliet.id) == []


async def test_list_actors_by_name_alias_and_spaceless_name(catalog: CatalogHarness) -> None:
    await catalog.import_demo()
    everyone = await catalog.stub.ListActors(pb.ListActorsRequest())
    assert [a.name for a in everyone.actors] == ["Hamlet", "Juliet", "Lady Macbeth", "Macbeth", "Ophelia", "Romeo"]
    assert [a.name for a in (await catalog.stub.ListActors(pb.ListActorsRequest(query="LadyMacbeth"))).actors] == [
        "Lady Macbeth"
    ]
    assert [a.name for a in (await catalog.stub.ListActors(pb.ListActorsRequest(query="montague"))).actors] == ["Romeo"]
    page = await catalog.stub.ListActors(pb.ListActorsRequest(page_size=4))
    rest = await catalog.stub.ListActors(pb.ListActorsRequest(page_size=4, page_token=page.next_page_token))
    assert [a.name for a in [*page.actors, *rest.actors]] == [a.name for a in everyone.actors]
    assert rest.next_page_token == ""
    actor = await catalog.stub.GetActor(pb.GetActorRequest(actor_id=page.actors[0].id))
    assert actor.external_id == "hamlet" and list(actor.aliases) == ["Prince Hamlet"]


async def _create_scripts(catalog: CatalogHarness, titles: list[str]) -> list[int]:
    admin = await catalog.admin()
    ids = []
    for title in titles:
        script = await catalog.stub.CreateScript(
            pb.CreateScriptRequest(script=pb.Script(title=title, category="drama")), metadata=admin
        )
        ids.append(script.id)
    return ids


async def test_pagination_is_stable_under_concurrent_inserts(catalog: CatalogHarness) -> None:
    original = await _create_scripts(catalog, [f"Scene {i:02d}" for i in range(23)])
    admin = await catalog.admin()
    for order in (pb.SCRIPT_ORDER_LATEST, pb.SCRIPT_ORDER_TITLE, pb.SCRIPT_ORDER_POPULAR):
        seen: list[int] = []
        token = ""
        inserted = 0
        while True:
            page, *_ = await asyncio.gather(
                catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=order, page_size=5, page_token=token)),
                *[
                    catalog.stub.CreateScript(
                        pb.CreateScriptRequest(script=pb.Script(title=f"Scene {i:02d} new {order}")), metadata=admin
                    )
                    for i in range(inserted, inserted + 2)
                ],
            )
            inserted += 2
            seen.extend(s.id for s in page.scripts)
            token = page.next_page_token
            if not token:
                break
        assert len(seen) == len(set(seen)), f"duplicates in order {order}"
        assert set(original) <= set(seen), f"rows skipped in order {order}"


async def test_orders(catalog: CatalogHarness) -> None:
    ids = await _create_scripts(catalog, ["banana", "Apple", "cherry"])
    by_title = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_TITLE))
    assert [s.title for s in by_title.scripts] == ["Apple", "banana", "cherry"]
    latest = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_LATEST))
    assert [s.id for s in latest.scripts] == ids[::-1]
    # Popular: takes first, then views. Counters are written directly (as the event consumer does).
    await catalog.app.service.record_take_completed("e1", 0, ids[2])
    for _ in range(3):
        await catalog.app.service.record_take_completed(f"view-less-{_}", 0, ids[0])
    popular = await catalog.stub.ListScripts(pb.ListScriptsRequest(order_by=pb.SCRIPT_ORDER_POPULAR))
    assert [s.id for s in popular.scripts] == [ids[0], ids[2], ids[1]]
    assert popular.scripts[0].take_count == 3


async def test_unknown_ids_are_not_found(catalog: CatalogHarness) -> None:
    stub = catalog.stub
    await expect_error(
        stub.GetScript(pb.GetScriptRequest(script_id=999)), grpc.StatusCode.NOT_FOUND, "SCRIPT_NOT_FOUND"
    )
    await expect_error(stub.GetToken(pb.GetTokenRequest(token_id=999)), grpc.StatusCode.NOT_FOUND, "TOKEN_NOT_FOUND")
    await expect_error(stub.GetActor(pb.GetActorRequest(actor_id=999)), grpc.StatusCode.NOT_FOUND, "ACTOR_NOT_FOUND")
    await expect_error(
        stub.RecordView(pb.RecordViewRequest(token_id=999)), grpc.StatusCode.NOT_FOUND, "TOKEN_NOT_FOUND"
    )
    await expect_error(
        stub.GetToken(pb.GetTokenRequest(token_id=0)), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TOKEN_ID"
    )
    stream = stub.ReadReferenceAudio(pb.ReadReferenceAudioRequest(token_id=999))
    await expect_error(stream.read(), grpc.StatusCode.NOT_FOUND, "TOKEN_NOT_FOUND")


async def test_bad_list_arguments_are_invalid(catalog: CatalogHarness) -> None:
    await _create_scripts(catalog, ["a", "b", "c"])
    stub = catalog.stub
    invalid = grpc.StatusCode.INVALID_ARGUMENT
    await expect_error(stub.ListScripts(pb.ListScriptsRequest(page_size=-1)), invalid, "INVALID_PAGE_SIZE")
    await expect_error(stub.ListActors(pb.ListActorsRequest(page_size=-5)), invalid, "INVALID_PAGE_SIZE")
    await expect_error(stub.ListScripts(pb.ListScriptsRequest(page_token="garbage!")), invalid, "INVALID_PAGE_TOKEN")
    await expect_error(stub.ListScripts(pb.ListScriptsRequest(page_token="e30")), invalid, "INVALID_PAGE_TOKEN")
    await expect_error(stub.ListScripts(pb.ListScriptsRequest(query="x" * 201)), invalid, "QUERY_TOO_LONG")
    await expect_error(stub.ListActors(pb.ListActorsRequest(query="x" * 201)), invalid, "QUERY_TOO_LONG")
    page = await stub.ListScripts(pb.ListScriptsRequest(page_size=1, order_by=pb.SCRIPT_ORDER_TITLE))
    assert page.next_page_token
    # A token is bound to its order and filters.
    await expect_error(
        stub.ListScripts(pb.ListScriptsRequest(page_size=1, page_token=page.next_page_token)),
        invalid,
        "INVALID_PAGE_TOKEN",
    )
    await expect_error(
        stub.ListScripts(
            pb.ListScriptsRequest(
                page_size=1, order_by=pb.SCRIPT_ORDER_TITLE, category="x", page_token=page.next_page_token
            )
        ),
        invalid,
        "INVALID_PAGE_TOKEN",
    )
    big = await stub.ListScripts(pb.ListScriptsRequest(page_size=1000))
    assert len(big.scripts) == 3


async def test_record_view_counts_and_popular_cache_is_single_flight(catalog: CatalogHarness) -> None:
    await catalog.import_demo()
    service = catalog.app.service
    service.lists.clear()
    before = service.lists.loads
    responses = await asyncio.gather(*[catalog.stub.ListScripts(pb.ListScriptsRequest()) for _ in range(40)])
    assert service.lists.loads - before == 1  # 40 concurrent reads, one database query
    assert len({r.SerializeToString() for r in responses}) == 1
    last = responses[0].scripts[-1]
    script = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=last.id))
    for expected in (1, 2, 3):
        view = await catalog.stub.RecordView(pb.RecordViewRequest(token_id=script.tokens[0].id))
        assert view.view_count == expected
    # Views refresh the cached popular list soon (events mark it stale; one background reload).
    for _ in range(50):
        response = await catalog.stub.ListScripts(pb.ListScriptsRequest())
        if response.scripts[0].id == last.id:
            break
        await asyncio.sleep(0.05)
    assert response.scripts[0].id == last.id and response.scripts[0].view_count == 3


async def test_read_reference_audio_streams_the_bytes(catalog: CatalogHarness) -> None:
    await catalog.import_demo()
    listing = await catalog.stub.ListScripts(pb.ListScriptsRequest(query="macbeth"))
    script = await catalog.stub.GetScript(pb.GetScriptRequest(script_id=listing.scripts[0].id))
    token = script.tokens[0]
    chunks = [m async for m in catalog.stub.ReadReferenceAudio(pb.ReadReferenceAudioRequest(token_id=token.id))]
    assert chunks[0].content_type == "audio/ogg"
    data = b"".join(c.chunk for c in chunks)
    assert data == (await catalog.http.get(token.reference_audio.url)).content
