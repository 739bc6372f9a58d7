"""`POST /compat/api/synthesize/{clip}`: the caller's latest takes of a clip's lines mixed over its
background track at the lines' times (checked by frequency in the stored WAV), `latest-dubbing`, 404
without takes, BOLA."""

from __future__ import annotations

import io
import json
import shutil
import wave

import httpx
import numpy as np
import pytest

from tests.analyzer.helpers import FIXTURES, LINES
from tests.compat.f2_helpers import BASE, bearer, upload
from tests.fixtures.suite import Flow, Gateway
from yousync.catalog.v1 import catalog_pb2
from yousync_catalog.importer import import_catalog

RATE = 16_000
BACKGROUND_HZ, FIRST_HZ, SECOND_HZ = 220.0, 440.0, 660.0
SCENE_SECONDS = 12.0
FIRST = (1.0, 4.0)
SECOND = (6.0, 9.0)


def sine_wav(hz: float, seconds: float, amplitude: float, rate: int = RATE) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (amplitude * np.sin(2 * np.pi * hz * t) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32767
    return samples, rate


def band(samples: np.ndarray, rate: int, start: float, end: float, hz: float) -> float:
    """Share of the window's spectral energy within ±10 Hz of `hz`."""
    window = samples[int(start * rate) : int(end * rate)]
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window)))) ** 2
    freqs = np.fft.rfftfreq(len(window), 1 / rate)
    total = float(spectrum.sum()) or 1.0
    return float(spectrum[(freqs > hz - 10) & (freqs < hz + 10)].sum()) / total


@pytest.fixture(scope="module")
async def dub_scene(flow: Flow, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """A scene with a background track (a 220 Hz tone) and two lines at known times; line ids."""
    root = tmp_path_factory.mktemp("dub-scene")
    (root / "audio").mkdir()
    (root / "audio" / "bg.wav").write_bytes(sine_wav(BACKGROUND_HZ, SCENE_SECONDS, 0.3))
    tokens = []
    for external, line_id, (start, end) in (("dub-1", "frankly", FIRST), ("dub-2", "offer", SECOND)):
        shutil.copy(FIXTURES / line_id / "reference.opus.ogg", root / "audio" / f"{external}.ogg")
        text = LINES[line_id]["text"]
        tokens.append(
            {"id": external, "actor": "dubber", "text": text, "start_seconds": start, "end_seconds": end,
             "audio": f"audio/{external}.ogg"}
        )  # fmt: skip
    manifest = {
        "version": 1,
        "actors": [{"id": "dubber", "name": "Dub Actor", "aliases": []}],
        "scripts": [
            {
                "id": "compat-dub-scene",
                "title": "Compat dub scene",
                "work_title": "Tests",
                "kind": "movie",
                "category": "drama",
                "language": "en",
                "duration_seconds": SCENE_SECONDS,
                "background_track": "audio/bg.wav",
                "tokens": tokens,
            }
        ],
    }
    (root / "catalog.json").write_text(json.dumps(manifest))
    await import_catalog(root, flow.catalog.app.service, progress=False)
    flow.catalog.app.service.lists.clear()
    flow.catalog.app.service.details.clear()
    found = await flow.catalog.stub.ListScripts(catalog_pb2.ListScriptsRequest(query="Compat dub scene"))
    script = await flow.catalog.stub.GetScript(catalog_pb2.GetScriptRequest(script_id=found.scripts[0].id))
    assert script.background_track.url
    return {"clip": script.id, "first": script.tokens[0].id, "second": script.tokens[1].id}


async def _fetch(url: str) -> bytes:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(url)
    assert response.status_code == 200, response.text
    return response.content


async def test_mix_over_the_background_at_the_lines_times(gateway: Gateway, dub_scene: dict[str, int]) -> None:
    clip = dub_scene["clip"]
    headers = await gateway.sign_in("compat-dub@example.com")
    # Nothing yet: no mix to listen to, nothing to mix.
    assert (await gateway.http.get(f"{BASE}/tokens/{clip}/latest-dubbing/", headers=headers)).status_code == 404
    assert (await gateway.http.post(f"{BASE}/synthesize/{clip}", headers=headers, json={})).status_code == 404

    await upload(gateway, headers, dub_scene["first"], sine_wav(300.0, 2.0, 0.5))  # replaced by the next take
    await upload(gateway, headers, dub_scene["first"], sine_wav(FIRST_HZ, 2.0, 0.5))
    await upload(gateway, headers, dub_scene["second"], sine_wav(SECOND_HZ, 2.0, 0.5))

    response = await gateway.http.post(f"{BASE}/synthesize/{clip}", headers=headers, json={})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and isinstance(body["message"], str)
    mixed, rate = read_wav(await _fetch(body["dubbing_audio_url"]))
    assert abs(len(mixed) / rate - SCENE_SECONDS) < 0.05

    # Background alone before the first line and after the last.
    for start, end in ((0.1, 0.9), (10.0, 11.5)):
        assert band(mixed, rate, start, end, BACKGROUND_HZ) > 0.9
        assert band(mixed, rate, start, end, FIRST_HZ) < 0.01 and band(mixed, rate, start, end, SECOND_HZ) < 0.01
    # The first line's latest take (440 Hz, not the replaced 300 Hz one) over the background at 1.0-3.0 s.
    assert band(mixed, rate, 1.2, 2.8, FIRST_HZ) > 0.5 and band(mixed, rate, 1.2, 2.8, BACKGROUND_HZ) > 0.05
    assert band(mixed, rate, 1.2, 2.8, 300.0) < 0.01 and band(mixed, rate, 1.2, 2.8, SECOND_HZ) < 0.01
    # The second line's take at 6.0-8.0 s.
    assert band(mixed, rate, 6.2, 7.8, SECOND_HZ) > 0.5 and band(mixed, rate, 6.2, 7.8, FIRST_HZ) < 0.01
    assert float(np.max(np.abs(mixed))) <= 1.0

    # latest-dubbing (the frontend's slash, Bearer) plays that mix.
    latest = await gateway.http.get(f"{BASE}/tokens/{clip}/latest-dubbing/", headers=headers)
    assert latest.status_code == 200
    assert read_wav(await _fetch(latest.json()["url"]))[0].shape == mixed.shape

    # BOLA: another user has no takes and sees no mix of mine; no user gets 401.
    other = await gateway.sign_in("compat-dub-other@example.com")
    assert (await gateway.http.get(f"{BASE}/tokens/{clip}/latest-dubbing/", headers=other)).status_code == 404
    assert (await gateway.http.post(f"{BASE}/synthesize/{clip}", headers=other, json={})).status_code == 404
    for no_auth in ({}, bearer(None)):
        assert (await gateway.http.post(f"{BASE}/synthesize/{clip}", headers=no_auth, json={})).status_code == 401
        path = f"{BASE}/tokens/{clip}/latest-dubbing/"
        assert (await gateway.http.get(path, headers=no_auth)).status_code == 401


async def test_bad_and_unknown_clips(gateway: Gateway) -> None:
    headers = await gateway.sign_in("compat-dub-bad@example.com")
    assert (await gateway.http.post(f"{BASE}/synthesize/99999999", headers=headers, json={})).status_code == 404
    assert (await gateway.http.get(f"{BASE}/tokens/99999999/latest-dubbing/", headers=headers)).status_code == 404
    for bad in ("0", "-1", "x"):
        assert (await gateway.http.post(f"{BASE}/synthesize/{bad}", headers=headers, json={})).status_code == 422
