"""What telemetry costs a request: oracle's throughput with the SDK off, on, and on with a dead receiver.

Run from the repository root (needs Postgres and Redis server binaries, like the tests):

    .venv/bin/python bench/telemetry_overhead.py [--seconds 10] [--concurrency 16]

It starts its own Postgres and an OTLP receiver on free 127.0.0.1 ports, measures each variant with
the same closed loop of GET /api/v1/employers, prints requests per second and p95, and stops
everything it started. Numbers depend on the machine; compare variants, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests._otlp_sink import OtlpSink
from tests._services import free_port, oracle_process, start_backing


async def _load(url: str, seconds: float, concurrency: int) -> tuple[int, list[float]]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def user(http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = await http.get("/api/v1/employers", params={"limit": 1})
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        await asyncio.gather(*(user(http) for _ in range(concurrency)))
    return len(latencies), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    backing = start_backing("vntp-bench-")
    sink = OtlpSink(free_port())
    sink.start()
    variants = {
        "telemetry off": {"OTEL_SDK_DISABLED": "true"},
        "telemetry on": {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
        "receiver down": {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}"},
    }
    rows = []
    try:
        for name, env in variants.items():
            service = oracle_process(backing, name.replace(" ", "-"), **env)
            service.start()
            try:
                asyncio.run(_load(service.url, 2.0, args.concurrency))  # warm up
                count, latencies = asyncio.run(_load(service.url, args.seconds, args.concurrency))
            finally:
                service.stop()
            p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) > 20 else float("nan")
            rows.append((name, count / args.seconds, p95))
    finally:
        sink.stop()
        backing.redis.purge()
        backing.postgres.purge()
        shutil.rmtree(backing.root, ignore_errors=True)
    print(f"{'variant':<16}{'requests/s':>12}{'p95 ms':>10}")
    for name, rate, p95 in rows:
        print(f"{name:<16}{rate:>12.0f}{p95:>10.1f}")


if __name__ == "__main__":
    main()
