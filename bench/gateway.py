"""Gateway bars (issue 4): added latency, throughput, streaming, memory — against the
direct upstream in the same run.

  python bench/gateway.py [--requests 300] [--seconds 20] [--soak 0]
                          [--out bench/results/gateway.json]

Processes (all on this machine, like the LiteLLM figures in the issue): the stand-in
upstream (``veil.testing.upstream``, a fake OpenAI API that echoes), ``veil serve`` with
the default pipeline, ``veil serve --patterns-only``, and this load generator (aiohttp,
asyncio). The prompt is ~1 KB with several PII items (names, e-mail, phone, card, IBAN).

1. latency at concurrency 1: ``--requests`` sequential calls, direct vs each gateway;
   added latency = gateway percentile - direct percentile.
2. throughput at concurrency 16 for ``--seconds`` (req/s), direct and both gateways.
3. streaming: time to first content token and chunk count, direct vs gateway.
4. memory: gateway RSS at start and after ``--soak`` seconds at concurrency 16 (0: skip).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
VEIL = Path(sys.executable).with_name("veil")
PROMPT = (
    "Hello support team, this is Margaret O'Donnell writing again about order 88123. "
    "You can reach me at margaret.odonnell@example.org or on +44 20 7946 0958 after 5pm. "
    "The refund of 49.99 GBP should go back to my Visa card 4111 1111 1111 1111, or if that "
    "fails to my account GB82 WEST 1234 5698 7654 32 at Westminster Bank. My colleague Rahul "
    "Mehta (rahul.mehta@example.in) placed the original order from our Leeds office on "
    "12 March 2024, and our customer number is CUST-2209-771. Please do not send anything to "
    "my old address, 14 Baker Street, London NW1 6XE; we moved to 2 Park Row, Leeds LS1 5HD "
    "last year. I have attached the receipt and a photo of the damaged parcel. Could you "
    "also confirm that my husband John O'Donnell is no longer listed as a contact on the "
    "account? Thank you for your help, and sorry for the long message. Kind regards, Margaret"
)
UPSTREAM = (
    "import sys, time\n"
    "from veil.testing.upstream import run_upstream\n"
    "with run_upstream(int(sys.argv[1])) as up:\n"
    "    print(up.url, flush=True)\n"
    "    while True: time.sleep(3600)\n"
)


def _client(base: str, key: str) -> aiohttp.ClientSession:
    """The load generator: aiohttp (~0.1 ms of CPU per request; httpx spends ~1 ms, and on
    this 2-core box the load generator's CPU is taken from the server it measures). Same
    client for the direct upstream and every gateway. TCP_NODELAY is aiohttp's default."""
    return aiohttp.ClientSession(
        base.rstrip("/") + "/",
        headers={"authorization": f"Bearer {key}"},
        connector=aiohttp.TCPConnector(limit=64),
        timeout=aiohttp.ClientTimeout(total=60),
    )


async def _post(c: aiohttp.ClientSession, body: dict[str, Any]) -> bytes:
    async with c.post("chat/completions", json=body) as r:
        r.raise_for_status()
        return await r.read()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"bench/gateway.py: {url} did not come up")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


CLEAN = "Please summarise the attached quarterly report in three short bullet points. " * 12


_COUNTER = iter(range(10**9))


def _body(stream: bool = False, prompt: str = PROMPT) -> dict[str, Any]:
    """Every request is a new conversation with a new message (the gateway caches messages
    it has seen in a conversation: a repeated prompt would measure the cache)."""
    text = f"{prompt} [ref {next(_COUNTER)}]" if prompt is PROMPT else prompt
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
    }


async def _latency(base: str, key: str, n: int) -> list[float]:
    out = []
    async with _client(base, key) as c:
        for _ in range(5):
            await _post(c, _body())
        for _ in range(n):
            body = _body()
            t0 = time.perf_counter()
            await _post(c, body)
            out.append((time.perf_counter() - t0) * 1000)
    return out


async def _throughput(base: str, key: str, seconds: float, workers: int = 16) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    async with _client(base, key) as c:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                await _post(c, _body())
                done += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        return done / (time.perf_counter() - t0)


async def _stream(base: str, key: str, n: int = 30, prompt: str = PROMPT) -> dict[str, float]:
    ttft, chunks = [], []
    async with _client(base, key) as c:
        for i in range(n + 3):
            t0 = time.perf_counter()
            first, count = None, 0
            async with c.post("chat/completions", json=_body(True, prompt)) as r:
                async for raw in r.content:  # one SSE line at a time
                    line = raw.decode().rstrip("\r\n")
                    if not line.startswith("data: {"):
                        continue
                    count += 1
                    delta = json.loads(line[6:])["choices"][0]["delta"]
                    if first is None and delta.get("content"):
                        first = (time.perf_counter() - t0) * 1000
            if i >= 3:
                ttft.append(first or 0.0)
                chunks.append(count)
    return {"ttft_p50_ms": round(statistics.median(ttft), 2), "chunks": statistics.median(chunks)}


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument(
        "--soak", type=float, default=0, help="seconds at concurrency 16 for the memory check"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "gateway.json")
    a = ap.parse_args(argv)
    procs: list[subprocess.Popen[str]] = []
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/gateway.py", *(argv or sys.argv[1:])]),
        "prompt_chars": len(PROMPT),
    }
    with tempfile.TemporaryDirectory(prefix="veil-gw-") as tmp:
        try:
            up_port = _port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", UPSTREAM, str(up_port)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
            upstream = f"http://127.0.0.1:{up_port}/v1"
            _wait(f"{upstream}/models")
            gateways = {}
            variants = (
                ("default", []),
                ("patterns_only", ["--patterns-only"]),
                ("default_2_workers", ["--workers", "2"]),
                ("patterns_only_2_workers", ["--patterns-only", "--workers", "2"]),
            )
            for name, extra in variants:
                home = Path(tmp) / name
                env = {**os.environ, "VEIL_HOME": str(home)}
                key = subprocess.run(
                    [str(VEIL), "keys", "create", "bench"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
                port = _port()
                proc = subprocess.Popen(
                    [str(VEIL), "serve", "--upstream", upstream, "--port", str(port), *extra],
                    env=env,
                    stderr=subprocess.DEVNULL,
                )
                procs.append(proc)
                gateways[name] = (f"http://127.0.0.1:{port}/v1", key, proc)
            for base, _, _ in gateways.values():
                _wait(base.removesuffix("/v1") + "/healthz")
            direct = asyncio.run(_latency(upstream, "x", a.requests))
            result["direct"] = {"p50_ms": _pct(direct, 0.5), "p99_ms": _pct(direct, 0.99)}
            for name, (base, key, proc) in gateways.items():
                lat = asyncio.run(_latency(base, key, a.requests))
                result[name] = {
                    "p50_ms": _pct(lat, 0.5),
                    "p99_ms": _pct(lat, 0.99),
                    "added_p50_ms": round(_pct(lat, 0.5) - result["direct"]["p50_ms"], 2),
                    "added_p99_ms": round(_pct(lat, 0.99) - result["direct"]["p99_ms"], 2),
                    "rss_start_mb": round(_rss_mb(proc.pid), 1),
                }
                print(name, result[name], flush=True)
            result["direct"]["req_per_s_c16"] = round(
                asyncio.run(_throughput(upstream, "x", a.seconds)), 1
            )
            for name, (base, key, _) in gateways.items():
                result[name]["req_per_s_c16"] = round(
                    asyncio.run(_throughput(base, key, a.seconds)), 1
                )
                print(name, "c16", result[name]["req_per_s_c16"], flush=True)
            result["direct"]["stream"] = asyncio.run(_stream(upstream, "x"))
            base, key, proc = gateways["default"]
            result["default"]["stream"] = asyncio.run(_stream(base, key))
            # same content both ways (no PII to change its length): chunks must match one to one
            result["direct"]["stream_clean"] = asyncio.run(_stream(upstream, "x", 5, CLEAN))
            result["default"]["stream_clean"] = asyncio.run(_stream(base, key, 5, CLEAN))
            if a.soak:
                before = _rss_mb(proc.pid)
                rate = asyncio.run(_throughput(base, key, a.soak))
                result["default"]["soak"] = {
                    "seconds": a.soak,
                    "req_per_s": round(rate, 1),
                    "rss_before_mb": round(before, 1),
                    "rss_after_mb": round(_rss_mb(proc.pid), 1),
                }
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(10)
    d, g = result["direct"], result["default"]
    p = max(
        result["patterns_only"], result["patterns_only_2_workers"], key=lambda r: r["req_per_s_c16"]
    )
    result["bars"] = {
        "added_p50<=15ms": g["added_p50_ms"] <= 15,
        "added_p99<=40ms": g["added_p99_ms"] <= 40,
        "c16>=80req/s": g["req_per_s_c16"] >= 80,
        "patterns_only_c16>=400req/s": p["req_per_s_c16"] >= 400,
        "ttft_within_5ms": g["stream"]["ttft_p50_ms"] - d["stream"]["ttft_p50_ms"] <= 5,
        "chunk_count_preserved": g["stream_clean"]["chunks"] == d["stream_clean"]["chunks"],
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=1))
    return 0 if all(result["bars"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
