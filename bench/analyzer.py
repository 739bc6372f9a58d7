"""Analyzer benchmark: CPU cost per second of audio, throughput with 1 and 2 workers, start-up, RSS.

    .venv/bin/python bench/analyzer.py [--takes 24]

Uses the committed synthetic fixtures (tests/analyzer/fixtures). Goal: <= 0.10 CPU s per audio s.
The last line of output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "analyzer" / "fixtures"
# Scored takes (the gate passes them), the mix a real service sees most.
KINDS = ["good.wav", "good.webm", "good.m4a", "slow.opus.ogg", "dropped.opus.ogg", "monotone.opus.ogg"]


def load_lines() -> list[dict[str, str]]:
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    return list(manifest["lines"])


def cpu_per_audio_second() -> dict[str, float]:
    """Single process, warm decoders and cached references: CPU seconds per second of take audio."""
    from yousync_analyzer import pipeline
    from yousync_analyzer.domain import ReferenceSpec
    from yousync_analyzer.scoring import Scorers

    scorers = Scorers()
    pipeline.aligner()
    stages = {"decode": 0.0, "quality": 0.0, "align": 0.0, "recognise": 0.0, "pitch": 0.0, "score": 0.0}
    audio = 0.0
    for line in load_lines():
        ref = pipeline.analyze_reference(
            (FIXTURES / line["id"] / "reference.opus.ogg").read_bytes(), ReferenceSpec("k", line["text"]), 60
        )
        for kind in KINDS:
            data = (FIXTURES / line["id"] / kind).read_bytes()
            t = time.process_time()
            state = pipeline.decode_take(data, line["text"], 60)
            t1 = time.process_time()
            state = pipeline.check_quality(state)
            t2 = time.process_time()
            state = pipeline.align_take(state)
            t3 = time.process_time()
            state = pipeline.recognise_take(state)
            t4 = time.process_time()
            if state.alignment is not None:
                state = pipeline.score_pitch(state, ref, scorers)
                t5 = time.process_time()
                pipeline.score_take(state, ref, scorers)
            else:
                t5 = time.process_time()
            t6 = time.process_time()
            for name, dt in zip(stages, (t1 - t, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
                stages[name] += dt
            audio += state.decoded.duration
    total = sum(stages.values())
    out = {"cpu_s_per_audio_s": total / audio, "audio_seconds": audio}
    out.update({f"stage_{k}_cpu_s_per_audio_s": v / audio for k, v in stages.items()})
    return out


async def throughput(workers: int, takes: int) -> dict[str, float]:
    from yousync_analyzer import domain as d
    from yousync_analyzer.pool import AnalysisPool
    from yousync_analyzer.reference_cache import ReferenceCache
    from yousync_analyzer.service import Analyzer

    t0 = time.perf_counter()
    pool = AnalysisPool(workers=workers, queue_size=takes)
    await pool.start()
    startup = time.perf_counter() - t0
    analyzer = Analyzer(pool=pool, cache=ReferenceCache())
    lines = load_lines()
    jobs = []
    for i in range(takes):
        line = lines[i % len(lines)]
        kind = KINDS[(i // len(lines)) % len(KINDS)]
        jobs.append((line, (FIXTURES / line["id"] / kind).read_bytes()))

    async def one(line: dict[str, str], take: bytes) -> None:
        async def messages() -> AsyncIterator[d.Message]:
            yield d.Start("bench", d.ReferenceSpec(f"ref-{line['id']}", line["text"]))
            ref = (FIXTURES / line["id"] / "reference.opus.ogg").read_bytes()
            for i in range(0, len(ref), 65536):
                yield d.ReferenceChunk(ref[i : i + 65536])
            for i in range(0, len(take), 65536):
                yield d.TakeChunk(take[i : i + 65536])
            yield d.EndOfInput()

        async for _ in analyzer.analyze(messages()):
            pass

    # warm the reference cache (the actor's side is computed once per reference)
    await asyncio.gather(*(one(line, (FIXTURES / line["id"] / "good.wav").read_bytes()) for line in lines))
    t = time.perf_counter()
    await asyncio.gather(*(one(line, take) for line, take in jobs))
    wall = time.perf_counter() - t
    stats = await pool.worker_stats()
    pool.close()
    return {
        "takes_per_s": takes / wall,
        "startup_s": startup,
        "peak_rss_mb_per_worker": max(rss for _, rss in stats) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--takes", type=int, default=24)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    cpu = cpu_per_audio_second()
    print(f"CPU s per audio s: {cpu['cpu_s_per_audio_s']:.3f} over {cpu['audio_seconds']:.1f} s of audio")
    for k, v in cpu.items():
        if k.startswith("stage_"):
            print(f"  {k[6:]:<32s} {v:.4f}")
    one = asyncio.run(throughput(1, args.takes))
    print(f"1 worker : {one['takes_per_s']:.2f} takes/s, start-up {one['startup_s']:.2f} s")
    two = asyncio.run(throughput(2, args.takes))
    print(f"2 workers: {two['takes_per_s']:.2f} takes/s, start-up {two['startup_s']:.2f} s")
    figures = {
        "benchmark": "analyzer",
        "cpu_s_per_audio_s": round(cpu["cpu_s_per_audio_s"], 4),
        "cpu_goal_s_per_audio_s": 0.10,
        "stage_cpu_s_per_audio_s": {
            k[6 : -len("_cpu_s_per_audio_s")]: round(v, 4) for k, v in cpu.items() if k.startswith("stage_")
        },
        "takes_per_s_1_worker": round(one["takes_per_s"], 2),
        "takes_per_s_2_workers": round(two["takes_per_s"], 2),
        "startup_s_1_worker": round(one["startup_s"], 2),
        "startup_s_2_workers": round(two["startup_s"], 2),
        "peak_rss_mb_per_worker": round(max(one["peak_rss_mb_per_worker"], two["peak_rss_mb_per_worker"]), 1),
        "takes": args.takes,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
