"""The original frontend's analysis path: upload with field `file` → progress stream with NO credential
(the job id is the capability) → result poll; unknown jobs end in one `status: "error"` event; the
capability is provable only with the shared secret and can be switched off."""

from __future__ import annotations

import io
import re
import uuid
import wave
from pathlib import Path

import grpc
import pytest

from tests.compat.f2_helpers import BASE, PAYLOAD_KEYS, bearer, read_sse, take, upload
from tests.fixtures.suite import JOB_CAPABILITY_SECRET, Flow, Gateway, gateway_settings, running_gateway
from yousync.analysis.v1 import job_capability_pb2, job_capability_pb2_grpc
from yousync_platform import job_capability


def _assert_pitch_result(pitch: dict) -> None:  # type: ignore[type-arg]
    assert 0 <= pitch["overall_score"] <= 1
    words = pitch["word_analysis"]
    assert isinstance(words, list) and words
    for w in words:
        assert isinstance(w["word"], str) and w["word"]
        assert 0 <= w["word_score"] <= 1 and 0 <= w["mfcc_similarity"] <= 1
        assert w["text_status"] in ("pass", "fail")
        assert isinstance(w["time_match"], bool) and isinstance(w["overlap_ratio"], float | int)
    assert {"text_accuracy", "time_accuracy", "mfcc_average", "total_words", "passed_words"} <= set(pitch["summary"])


async def test_upload_stream_without_credentials_and_result(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("compat-analysis@example.com")
    line_id = lines["frankly"]
    accepted = await upload(gateway, headers, line_id, take("frankly", "good.wav"))
    job_id = accepted["job_id"]

    # The EventSource: no header, no ticket, no query; unnamed events, each JSON.parse-able.
    stream = await read_sse(gateway.http, f"{BASE}/scripts/analysis-progress/{job_id}")
    assert stream.status == 200, stream.body
    assert stream.headers["content-type"].startswith("text/event-stream")
    assert stream.events and all(e.event == "message" for e in stream.events)
    for e in stream.events:
        assert set(e.data) == PAYLOAD_KEYS, e.data
        assert e.data["job_id"] == job_id and isinstance(e.data["progress"], int)
    assert all(e.data["status"] == "processing" and e.data["result"] is None for e in stream.events[:-1])
    final = stream.events[-1].data
    assert final["status"] == "completed" and final["progress"] == 100
    _assert_pitch_result(final["result"]["result"])
    assert final["result"]["script_id"] == line_id

    # A reconnection starts again with the full (terminal) snapshot, then ends.
    again = await read_sse(gateway.http, f"{BASE}/scripts/analysis-progress/{job_id}")
    assert len(again.events) == 1 and again.events[0].data["status"] == "completed"
    assert again.events[0].data["result"]["result"] == final["result"]["result"]

    # The poll, with the frontend's slash and headers.
    polled = await gateway.http.get(f"{BASE}/tokens/analysis-result/{job_id}/", headers=headers)
    assert polled.status_code == 200, polled.text
    body = polled.json()
    assert body["job_id"] == job_id and body["status"] == "completed" and body["progress"] == 100
    assert body["script_id"] == line_id and isinstance(body["token_id"], int) and body["token_id"] >= 1
    assert body["result"]["result"] == final["result"]["result"]
    assert isinstance(body["created_at"], str)

    # BOLA: another user, no user, `Bearer null`.
    other = await gateway.sign_in("compat-analysis-other@example.com")
    assert (await gateway.http.get(f"{BASE}/tokens/analysis-result/{job_id}/", headers=other)).status_code == 404
    for no_auth in ({}, bearer(None)):
        response = await gateway.http.get(f"{BASE}/tokens/analysis-result/{job_id}/", headers=no_auth)
        assert response.status_code == 401


async def test_unknown_or_malformed_job_is_one_error_event(gateway: Gateway) -> None:
    for job_id in (str(uuid.uuid4()), "not-a-job"):
        stream = await read_sse(gateway.http, f"{BASE}/scripts/analysis-progress/{job_id}", timeout=10)
        assert stream.status == 200
        assert len(stream.events) == 1, "one event, then the server closes"
        event = stream.events[0].data
        assert set(event) == PAYLOAD_KEYS and event["status"] == "error" and event["result"] is None


async def test_upload_negatives(gateway: Gateway, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("compat-upload-neg@example.com")
    data = take("frankly", "good.wav")
    files = {"file": ("script_1.wav", data, "audio/wav")}
    for h in ({}, bearer(None), bearer("garbage")):
        response = await gateway.http.post(f"{BASE}/scripts/{lines['frankly']}/upload-audio", headers=h, files=files)
        assert response.status_code == 401, "never a silent anonymous upload"
    missing = await gateway.http.post(f"{BASE}/scripts/99999999/upload-audio", headers=headers, files=files)
    assert missing.status_code == 404
    for bad in ("0", "-1", "abc"):
        response = await gateway.http.post(f"{BASE}/scripts/{bad}/upload-audio", headers=headers, files=files)
        assert response.status_code in (400, 422)
    no_part = await gateway.http.post(
        f"{BASE}/scripts/{lines['frankly']}/upload-audio", headers=headers, files={"other": ("x.wav", data)}
    )
    assert 400 <= no_part.status_code < 500
    assert (
        await gateway.http.get(f"{BASE}/tokens/analysis-result/{uuid.uuid4()}/", headers=headers)
    ).status_code == 404


async def test_capability_needs_the_shared_secret(gateway: Gateway, flow: Flow, lines: dict[str, int]) -> None:
    headers = await gateway.sign_in("compat-capability@example.com")
    job_id = (await upload(gateway, headers, lines["offer"], take("offer", "good.wav")))["job_id"]
    stub = job_capability_pb2_grpc.JobCapabilityServiceStub(flow.channel)

    async def watch(proof: str, metadata: tuple[tuple[str, str], ...] = ()) -> grpc.StatusCode:
        call = stub.WatchJobByCapability(
            job_capability_pb2.WatchJobByCapabilityRequest(job_id=job_id, proof=proof), metadata=metadata, timeout=30
        )
        try:
            async for _ in call:
                pass
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    owner = (("authorization", headers["Authorization"]),)
    assert await watch("", owner) == grpc.StatusCode.PERMISSION_DENIED, "a user token is no capability proof"
    assert (
        await watch(job_capability.proof(b"some-other-secret-0123456789", job_id)) == grpc.StatusCode.PERMISSION_DENIED
    )
    other_job = str(uuid.uuid4())
    proof_for_other = job_capability.proof(JOB_CAPABILITY_SECRET.encode(), other_job)
    assert await watch(proof_for_other) == grpc.StatusCode.PERMISSION_DENIED, "a proof opens its own job only"
    assert await watch(job_capability.proof(JOB_CAPABILITY_SECRET.encode(), job_id)) == grpc.StatusCode.OK


@pytest.mark.parametrize("overrides", [{"compat_progress_by_job_id": False}, {"job_capability_secret": ""}])
async def test_capability_path_can_be_turned_off(
    flow: Flow, blob_root: Path, gateway: Gateway, lines: dict[str, int], overrides: dict[str, object]
) -> None:
    headers = await gateway.sign_in("compat-off@example.com")
    job_id = (await upload(gateway, headers, lines["houston"], take("houston", "good.wav")))["job_id"]
    async with running_gateway(flow, gateway_settings(flow, blob_root, **overrides)) as closed:
        stream = await read_sse(closed.http, f"{BASE}/scripts/analysis-progress/{job_id}", timeout=10)
        assert stream.status == 401 and "PROGRESS_CAPABILITY_DISABLED" in stream.body
        # The ticket path is unaffected.
        assert (await closed.http.get(f"/api/tokens/analysis-progress/{job_id}")).status_code == 401


def _silence_wav(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


async def test_take_sent_back_without_words_still_names_the_lines_words(
    gateway: Gateway, lines: dict[str, int]
) -> None:
    """Found driving the real frontend: a take sent back before any word was aligned (here: silence) came with
    `word_analysis: []`. The frontend files each result under its words joined and counts a line analysed only
    when that key equals the line's text, so such a line never counted and "결과보기" never appeared. The
    compat answer now lists the line's words, each failed with score 0, in the stream and in the poll."""
    headers = await gateway.sign_in("compat-silent-take@example.com")
    line_id = lines["frankly"]
    job_id = (await upload(gateway, headers, line_id, _silence_wav()))["job_id"]

    stream = await read_sse(gateway.http, f"{BASE}/scripts/analysis-progress/{job_id}")
    final = stream.events[-1].data
    assert final["status"] == "completed", final
    pitch = final["result"]["result"]

    polled = (await gateway.http.get(f"{BASE}/tokens/analysis-result/{job_id}/", headers=headers)).json()
    assert polled["result"]["result"] == pitch
    detail = (await gateway.http.get(f"{BASE}/tokens/{polled['token_id']}")).json()
    line = next(s for s in detail["scripts"] if s["id"] == line_id)
    expected = [w["word"] for w in line["words"]] or line["script"].split()

    def key(text: str) -> str:  # the frontend's normalizeScript
        return re.sub(r"[^a-z0-9]", "", text.lower())

    assert [w["word"] for w in pitch["word_analysis"]] == expected
    assert key(" ".join(w["word"] for w in pitch["word_analysis"])) == key(line["script"])
    assert all(w["text_status"] == "fail" and w["word_score"] == 0 for w in pitch["word_analysis"])
    assert pitch["summary"]["total_words"] == len(expected) and pitch["summary"]["passed_words"] == 0
    assert pitch["overall_score"] == 0
