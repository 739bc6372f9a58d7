"""Chaos: 200 jobs over replicas while processes die, then count what was lost or doubled.

Runs the suite as `make run` does with YOUSYNC_REPLICAS=2 (two gateways, orchestrators, dispatchers and
analyzers, each restarted by the supervisor when it dies), everything on 127.0.0.1. Several users upload
JOBS short fixture takes round-robin over the gateways (an upload that fails on a dying gateway is sent
again, to another one, with the same Idempotency-Key), and an SSE watcher follows each job through its
stream ticket: when its stream breaks it reconnects to another gateway with `Last-Event-ID`, as a browser
does. Meanwhile a random replica (gateway, orchestrator, dispatcher, analyzer) is SIGKILLed every
KILL_EVERY seconds, and NATS is restarted once. Then the run settles: every job should reach a terminal
state and every watcher its terminal event.

Prints one JSON line last: jobs, completed, failed, lost (no terminal state after settling),
duplicate_results (jobs with two different take-completed events on the bus, i.e. two results, or
whose watcher saw two different terminal events; the same event delivered twice is counted apart, as
same_completion_event_twice_on_bus, since consumers dedupe by event id), watchers_without_terminal,
settle_seconds (from the last kill to the last job settled), kills, nats_restarts, upload_retries,
watcher_reconnects, seconds.
Usage: python bench/chaos.py [jobs] [seed]
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import nats
from _stack import FIXTURES, Stack, fixture_text, line_token, running_stack
from nats.js.api import ConsumerConfig, DeliverPolicy

from yousync.analysis.v1 import events_pb2

JOBS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 1
USERS = 8
KILL_EVERY = 6.0  # seconds between kills
SUBMIT_EVERY = 0.25  # seconds between uploads
CHAOS_MAX_SECONDS = 240.0  # kills stop after this long (or once every job settled)
SETTLE_MAX_SECONDS = 300.0  # after the last kill, how long the run may take to settle
UPLOAD_MAX_SECONDS = 240.0  # an upload is sent again (same Idempotency-Key) for this long
TAKE_COMPLETED = "analysis.events.take_completed"
VICTIMS = re.compile(r"^(gateway|analysis_orchestrator|dispatcher|analyzer)(_\d+)?$")
TAKES = [(line, (FIXTURES / line / "good.wav").read_bytes()) for line in ("offer", "force")]
TERMINAL = {"completed", "failed"}
ENV = {
    "YOUSYNC_REPLICAS": "2",
    # Many jobs of one user at once: the per-user limits are raised to match (8 users share JOBS).
    "ORCHESTRATOR_MAX_ACTIVE_ANALYSES": str(JOBS),
    "GATEWAY_UPLOADS_PER_MINUTE": str(10 * JOBS),
    "GATEWAY_MAX_CONCURRENT_STREAMS": str(JOBS),
    # A dispatch whose dispatcher died is redelivered after this long (heartbeats every third of it).
    "ORCHESTRATOR_ACK_WAIT_SECONDS": "10",
    # Every replica of a kind may be down for a while here: a job gets more attempts before it is dead-lettered.
    "ORCHESTRATOR_MAX_DELIVER": "10",
}


@dataclass
class Job:
    id: str
    user: int
    progress_path: str
    terminal: set[str] = field(default_factory=set)  # terminal states this job's watcher saw
    state: str = ""


@dataclass
class Run:
    gateways: list[str]
    headers: list[dict[str, str]]
    jobs: list[Job] = field(default_factory=list)
    upload_retries: int = 0
    upload_failures: int = 0
    upload_retry_reasons: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    reconnect_reasons: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    nats_restarts: int = 0
    last_kill: float = 0.0
    turn: int = 0

    def gateway(self) -> str:
        self.turn += 1
        return self.gateways[self.turn % len(self.gateways)]


async def sign_in(session: aiohttp.ClientSession, run: Run, user: int) -> None:
    for _ in range(30):
        try:
            async with session.post(
                f"{run.gateway()}/api/auth/dev", json={"email": f"chaos{user}@example.com"}
            ) as response:
                if response.status == 200:
                    token = (await response.json())["access_token"]
                    run.headers[user] = {"Authorization": f"Bearer {token}"}
                    return
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError("could not sign in")


async def upload(session: aiohttp.ClientSession, run: Run, index: int, token_ids: dict[str, int]) -> Job | None:
    user = index % USERS
    line, data = TAKES[index % len(TAKES)]
    key = str(uuid.uuid4())
    deadline = time.monotonic() + UPLOAD_MAX_SECONDS
    attempt = 0
    while time.monotonic() < deadline:
        attempt += 1
        form = aiohttp.FormData()
        form.add_field("audio_file", data, filename="take.wav", content_type="audio/wav")
        try:
            async with session.post(
                f"{run.gateway()}/api/tokens/{token_ids[line]}/upload-audio",
                data=form,
                headers={**run.headers[user], "Idempotency-Key": key},
            ) as response:
                if response.status in (200, 202):
                    body = await response.json()
                    return Job(body["job_id"], user, body["progress_url"])
                run.upload_retry_reasons[str(response.status)] += 1
                if response.status == 401:
                    await sign_in(session, run, user)
                elif response.status < 500 and response.status != 429:
                    raise RuntimeError(f"upload refused: {response.status} {await response.text()}")
        except (aiohttp.ClientError, TimeoutError) as error:
            run.upload_retry_reasons[type(error).__name__] += 1
        run.upload_retries += 1
        await asyncio.sleep(min(0.25 * 2**attempt, 3.0))
    run.upload_failures += 1
    return None


async def fresh_ticket_path(session: aiohttp.ClientSession, run: Run, job: Job) -> None:
    """A new stream ticket (the old one expired, or its access token did)."""
    for _ in range(20):
        try:
            async with session.post(
                f"{run.gateway()}/api/tokens/analysis-progress/{job.id}/ticket", headers=run.headers[job.user]
            ) as response:
                if response.status == 200:
                    job.progress_path = (await response.json())["progress_url"]
                    return
                if response.status == 401:
                    await sign_in(session, run, job.user)
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(1.0)


async def watch(session: aiohttp.ClientSession, run: Run, job: Job, deadline: float) -> None:
    """Follow the job's stream to its terminal event, reconnecting (Last-Event-ID) to the next gateway."""
    last_id: str | None = None
    retry = 2.0
    first = True
    while time.monotonic() < deadline:
        if not first:
            run.reconnects += 1
            await asyncio.sleep(retry * random.uniform(0.5, 1.0))
        first = False
        headers = {"Last-Event-ID": last_id} if last_id else {}
        try:
            async with session.get(f"{run.gateway()}{job.progress_path}", headers=headers) as response:
                if response.status != 200:
                    run.reconnect_reasons[str(response.status)] += 1
                    if response.status == 401:
                        await fresh_ticket_path(session, run, job)
                    continue
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("retry:"):
                        retry = int(line[6:].strip()) / 1000
                    elif line.startswith("id:"):
                        last_id = line[3:].strip()
                    elif line.startswith("data:"):
                        status = json.loads(line[5:])["status"]
                        if status in TERMINAL:
                            job.terminal.add(status)
                            return
                run.reconnect_reasons["ended"] += 1
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            run.reconnect_reasons[type(error).__name__] += 1


def listening(address: str) -> bool:
    host, port = address.removeprefix("http://").rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


async def chaos(suite: Any, run: Run, stop: asyncio.Event, rng: random.Random) -> None:
    """SIGKILL a random replica every KILL_EVERY seconds; restart NATS once (at the third round)."""
    started = time.monotonic()
    round_ = 0
    while not stop.is_set() and time.monotonic() - started < CHAOS_MAX_SECONDS:
        try:
            await asyncio.wait_for(stop.wait(), KILL_EVERY)
            break
        except TimeoutError:
            pass
        round_ += 1
        pids = suite.pids()
        if round_ == 3:
            os.kill(pids["nats"], signal.SIGTERM)  # the supervisor starts it again, same port and store
            run.nats_restarts += 1
        else:
            # A replica that is up (listening): killing one still starting would measure nothing new.
            up = sorted(name for name in pids if VICTIMS.match(name) and listening(suite.target(name)))
            if not up:
                continue
            victim = rng.choice(up)
            try:
                os.kill(pids[victim], signal.SIGKILL)
            except ProcessLookupError:
                continue
            run.kills[re.sub(r"_\d+$", "", victim)] += 1
        run.last_kill = time.monotonic()


async def job_state(session: aiohttp.ClientSession, run: Run, job: Job) -> str:
    for _ in range(20):
        try:
            async with session.get(
                f"{run.gateway()}/api/tokens/analysis-result/{job.id}", headers=run.headers[job.user]
            ) as response:
                if response.status == 200:
                    return str((await response.json())["status"])
                if response.status == 401:
                    await sign_in(session, run, job.user)
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(1.0)
    return "unknown"


async def completions_on_the_bus(nats_url: str) -> dict[str, Counter[str]]:
    """The take-completed events of each job in the stream (what downstream consumers receive), by
    event id: two ids are two results; one id twice is one result delivered twice (consumers dedupe)."""
    counts: dict[str, Counter[str]] = {}
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        subscription = await js.subscribe(
            TAKE_COMPLETED, ordered_consumer=True, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
        )
        while True:
            try:
                message = await subscription.next_msg(timeout=2.0)
            except nats.errors.TimeoutError:
                break
            event = events_pb2.TakeCompleted.FromString(message.data)
            counts.setdefault(event.job_id, Counter())[event.event_id] += 1
        await subscription.unsubscribe()
    finally:
        await client.close()
    return counts


async def run_chaos(stack: Stack) -> dict[str, Any]:
    suite = stack.suite
    gateways = sorted((v for k, v in suite.addresses.items() if re.fullmatch(r"gateway(_\d+)?", k)))
    rng = random.Random(SEED)
    run = Run(gateways, [{} for _ in range(USERS)])
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, connect=5, sock_read=60)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for user in range(USERS):
            await sign_in(session, run, user)
        token_ids = {line: await line_token(session, gateways[0], fixture_text(line)[:12]) for line, _ in TAKES}
        stop = asyncio.Event()
        chaos_task = asyncio.create_task(chaos(suite, run, stop, rng))
        watch_deadline = time.monotonic() + CHAOS_MAX_SECONDS + SETTLE_MAX_SECONDS
        watchers: list[asyncio.Task[None]] = []

        async def submit(index: int) -> None:
            job = await upload(session, run, index, token_ids)
            if job is not None:
                run.jobs.append(job)
                watchers.append(asyncio.create_task(watch(session, run, job, watch_deadline)))

        submissions = []
        for index in range(JOBS):
            submissions.append(asyncio.create_task(submit(index)))
            await asyncio.sleep(SUBMIT_EVERY)
        await asyncio.gather(*submissions)
        # Kills go on until every watcher is done or the chaos time is up, whichever comes first.
        watching: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*watchers, return_exceptions=True))
        either: list[asyncio.Future[Any]] = [chaos_task, watching]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await chaos_task
        chaos_end = time.monotonic()
        await asyncio.wait(watchers, timeout=max(1.0, watch_deadline - time.monotonic()))
        settled = time.monotonic()
        for task in watchers:
            task.cancel()
        states = await asyncio.gather(*(job_state(session, run, job) for job in run.jobs))
        for job, state in zip(run.jobs, states, strict=True):
            job.state = state
    bus = await completions_on_the_bus(suite.target("nats"))
    state_counts = Counter(job.state for job in run.jobs)
    duplicates = {job_id for job_id, ids in bus.items() if len(ids) > 1} | {
        job.id for job in run.jobs if len(job.terminal) > 1
    }
    completed_without_event = sum(1 for job in run.jobs if job.state == "completed" and job.id not in bus)
    redelivered = sum(1 for ids in bus.values() if any(n > 1 for n in ids.values()))
    return {
        "benchmark": "chaos",
        "jobs": len(run.jobs),
        "completed": state_counts["completed"],
        "failed": state_counts["failed"],
        "lost": sum(1 for job in run.jobs if job.state not in TERMINAL),
        "duplicate_results": len(duplicates),
        "watchers_without_terminal": sum(1 for job in run.jobs if not job.terminal),
        "settle_seconds": round(settled - (run.last_kill or chaos_end), 1),
        "completed_without_bus_event": completed_without_event,
        "same_completion_event_twice_on_bus": redelivered,
        "upload_failures": run.upload_failures,
        "upload_retries": run.upload_retries,
        "upload_retry_reasons": dict(run.upload_retry_reasons),
        "watcher_reconnects": run.reconnects,
        "reconnect_reasons": dict(run.reconnect_reasons),
        "kills": dict(run.kills),
        "nats_restarts": run.nats_restarts,
        "seconds": round(time.monotonic() - started, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    with running_stack(extra_env=ENV, demo=False) as stack:
        stack.suite.read_output()
        figures = asyncio.run(run_chaos(stack))
        restarts = [line.strip() for line in stack.suite.output if " restarted (pid" in line]
    print(f"supervisor restarts: {len(restarts)}", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
