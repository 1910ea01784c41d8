"""The seed's "Manual Testing Flow" as steps, and a short load burst, for ``vntp demo``."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

__all__ = ("BurstResult", "Step", "load_burst", "walk_flow")

SEED_EMPLOYEE = "1023829A"


@dataclass
class Step:
    """One request of the walk: what was asked, what came back, and the fact it shows."""

    number: int
    title: str
    method: str
    url: str
    status: int = 0
    fact: str = ""
    ok: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _get(http: httpx.Client, url: str) -> tuple[httpx.Response | None, str]:
    try:
        return http.get(url), ""
    except httpx.HTTPError as exc:
        return None, f"no answer: {type(exc).__name__}"


def walk_flow(
    oracle: str, imisanzu: str, *, on_step: Callable[[Step], None] | None = None, timeout: float = 10.0
) -> list[Step]:
    """Run the seed's flow against ``oracle`` and ``imisanzu`` (base URLs); each step says whether it held."""
    steps: list[Step] = []

    def step(title: str, url: str, judge: Callable[[httpx.Response], tuple[bool, str, dict[str, Any]]]) -> Step:
        current = Step(len(steps) + 1, title, "GET", url)
        response, problem = _get(http, url)
        if response is None:
            current.fact = problem
        else:
            current.status = response.status_code
            try:
                current.ok, current.fact, current.data = judge(response)
            except (ValueError, KeyError, TypeError) as exc:
                current.ok, current.fact = False, f"unexpected answer ({type(exc).__name__}): {response.text[:120]}"
        steps.append(current)
        if on_step:
            on_step(current)
        return current

    def employees(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        numbers = [e["rssbNumber"] for e in body["items"]]
        shown = ", ".join(numbers[:5]) + (", …" if len(numbers) > 5 else "")
        ok = r.status_code == 200 and body["total"] >= 2
        return ok, f"{body['total']} employees: {shown}", {"total": body["total"], "rssbNumbers": numbers}

    def contributions(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        return r.status_code == 200 and body["total"] > 0, f"{body['total']} contributions", {"total": body["total"]}

    def of_seed_employee(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        only = {c["rssbNumber"] for c in body["items"]} == {SEED_EMPLOYEE}
        fact = f"{body['total']} contributions of {SEED_EMPLOYEE}"
        return r.status_code == 200 and body["total"] > 0 and only, fact, {"total": body["total"]}

    def local_employees(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        numbers = [e["rssbNumber"] for e in body["items"]]
        if not numbers:
            fact = "empty: nothing synced yet"
        else:
            fact = f"{body['total']} already held, synced by an earlier run: {', '.join(numbers)}"
        return r.status_code == 200, fact, {"total": body["total"], "rssbNumbers": numbers}

    def synced(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        fresh = r.headers.get("X-Synced") == "true"
        fact = "fetched from oracle and saved (auto-sync)" if fresh else "already held locally"
        ok = r.status_code == 200 and r.json()["rssbNumber"] == SEED_EMPLOYEE
        return ok, fact, {"synced": fresh}

    def now_local(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        numbers = [e["rssbNumber"] for e in body["items"]]
        ok = r.status_code == 200 and SEED_EMPLOYEE in numbers
        return ok, f"{SEED_EMPLOYEE} is now held locally ({body['total']} in all)", {"total": body["total"]}

    def lookup(expect_hit: bool) -> Callable[[httpx.Response], tuple[bool, str, dict[str, Any]]]:
        def judge(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
            cache = r.headers.get("X-Cache", "?")
            body = r.json()
            fact = f"cache {cache}: {body['total']} contributions, {body['totalAmount']:,} RWF"
            if cache == "HIT" and not expect_hit:
                fact += " (cached by a run less than a minute ago)"
            elif cache == "MISS":
                fact += ", fetched from oracle and now cached"
            ok = r.status_code == 200 and (cache == "HIT" if expect_hit else cache in {"MISS", "HIT"})
            return ok, fact, {"cache": cache, "total": body["total"]}

        return judge

    def stats(r: httpx.Response) -> tuple[bool, str, dict[str, Any]]:
        body = r.json()
        fact = f"{body['hits']} hits, {body['misses']} misses, hit ratio {body['hitRatio']:.0%}, {body['keys']} keys"
        return r.status_code == 200 and body["hits"] >= 1 and body["misses"] >= 1, fact, body

    with httpx.Client(timeout=timeout) as http:
        step("oracle lists its employees", f"{oracle}/api/v1/employees", employees)
        step("oracle lists all contributions", f"{oracle}/api/v1/contributions", contributions)
        step(
            "oracle filters contributions by employee",
            f"{oracle}/api/v1/contributions?rssbNumber={SEED_EMPLOYEE}",
            of_seed_employee,
        )
        step("imisanzu lists the employees it holds", f"{imisanzu}/api/v1/employees", local_employees)
        step(
            "imisanzu gets an employee by rssbNumber (auto-sync)",
            f"{imisanzu}/api/v1/employees/{SEED_EMPLOYEE}",
            synced,
        )
        step("imisanzu now holds that employee", f"{imisanzu}/api/v1/employees", now_local)
        url = f"{imisanzu}/api/v1/contributions/employee/{SEED_EMPLOYEE}"
        step("contributions through imisanzu, first call", url, lookup(expect_hit=False))
        step("contributions again: now from the cache", url, lookup(expect_hit=True))
        step("cache statistics", f"{imisanzu}/api/v1/contributions/cache/stats", stats)
    return steps


@dataclass
class BurstResult:
    requests: int
    errors: int
    seconds: float
    p95_ms: float
    by_status: dict[int, int]

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "rate": round(self.requests / self.seconds, 1) if self.seconds else 0}


def load_burst(oracle: str, imisanzu: str, *, seconds: float = 5.0, concurrency: int = 8) -> BurstResult:
    """A few seconds of traffic, 70 % reads and 30 % writes, so the dashboards have something to show.

    The employees it creates are deleted afterwards, so a demo can run again and again.
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    created: list[str] = []
    errors = 0

    async def user(http: httpx.AsyncClient, deadline: float, seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)  # noqa: S311 - traffic shape, not security
        while time.monotonic() < deadline:
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.7:
                    response = await http.get(
                        rng.choice(
                            [
                                f"{imisanzu}/api/v1/contributions/employee/{SEED_EMPLOYEE}",
                                f"{imisanzu}/api/v1/employees",
                                f"{oracle}/api/v1/employees",
                                f"{oracle}/api/v1/contributions?rssbNumber={SEED_EMPLOYEE}",
                            ]
                        )
                    )
                else:
                    number = f"{rng.randrange(10**7):07d}D"
                    response = await http.post(
                        f"{oracle}/api/v1/employees",
                        json={"firstname": "Demo", "lastname": "Load", "rssbNumber": number, "dob": "1991-06-01"},
                    )
                    if response.status_code == 201:
                        created.append(response.json()["id"])
            except httpx.HTTPError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                errors += 1

    async def run() -> float:
        began = time.monotonic()
        async with httpx.AsyncClient(timeout=10) as http:
            await asyncio.gather(*(user(http, began + seconds, n) for n in range(concurrency)))
            took = time.monotonic() - began
            # The burst leaves oracle as it found it: what it created, it deletes.
            for start in range(0, len(created), concurrency):
                batch = created[start : start + concurrency]
                await asyncio.gather(*(http.delete(f"{oracle}/api/v1/employees/{id_}") for id_ in batch))
        return took

    took = asyncio.run(run())
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000 if ordered else 0.0
    return BurstResult(
        requests=len(latencies) + errors,
        errors=errors,
        seconds=round(took, 2),
        p95_ms=round(p95, 1),
        by_status=statuses,
    )
