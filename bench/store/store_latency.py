#!/usr/bin/env python3
"""Publish -> subscriber latency through the store, and the publish rate acknowledged after
commit, for scripts/store-bench. Standard library only.

N publishers (keep-alive HTTP/1.1, one request in flight each, or --pipeline K connections each)
POST 128-byte text events carrying their send time; one SSE subscriber (on the same or another
replica) reads them and takes receive time minus send time. Prints one JSON line.
"""
import argparse
import asyncio
import json
import time


async def publisher(host, port, token, deadline, rate_per_publisher, counts, size):
    reader, writer = await asyncio.open_connection(host, port)
    interval = 1.0 / rate_per_publisher if rate_per_publisher else 0
    next_at = time.monotonic()
    try:
        while time.monotonic() < deadline:
            if interval:
                next_at += interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            stamp = str(time.time_ns())
            body = (stamp + " ").ljust(size, "x").encode()
            request = (
                f"POST /events HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            counts[status] = counts.get(status, 0) + 1
    finally:
        writer.close()


async def subscriber(host, port, latencies, ready, stop):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await reader.readuntil(b"\r\n\r\n")
    ready.set()
    buffer = b""
    try:
        while not stop.is_set():
            try:
                chunk = await asyncio.wait_for(reader.read(65536), 0.5)
            except asyncio.TimeoutError:
                continue
            if not chunk:
                break
            now = time.time_ns()
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                # Chunked framing interleaves size lines; data lines start with "data: ".
                if line.startswith(b"data: "):
                    stamp = line[6:].split(b" ", 1)[0]
                    if stamp.isdigit():
                        latencies.append((now - int(stamp)) / 1e6)
    finally:
        writer.close()


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))], 2)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--publish-port", type=int, required=True, nargs="+")
    parser.add_argument("--subscribe-port", type=int, required=True)
    parser.add_argument("--publishers", type=int, default=16)
    parser.add_argument("--rate", type=float, default=0, help="events/s in total; 0 = as fast as acknowledged")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--token", default="t")
    args = parser.parse_args()
    latencies, counts = [], {}
    ready, stop = asyncio.Event(), asyncio.Event()
    sub = asyncio.create_task(subscriber("127.0.0.1", args.subscribe_port, latencies, ready, stop))
    await ready.wait()
    started = time.monotonic()
    deadline = started + args.seconds
    per = args.rate / args.publishers if args.rate else 0
    await asyncio.gather(*[
        publisher("127.0.0.1", args.publish_port[i % len(args.publish_port)], args.token, deadline, per, counts, args.size)
        for i in range(args.publishers)
    ])
    elapsed = time.monotonic() - started
    await asyncio.sleep(1.0)
    stop.set()
    await sub
    print(json.dumps({
        "publishers": args.publishers,
        "seconds": round(elapsed, 2),
        "acknowledged": counts.get(200, 0),
        "acknowledged_per_s": round(counts.get(200, 0) / elapsed),
        "statuses": counts,
        "received": len(latencies),
        "latency_ms": {"p50": percentile(latencies, 0.5), "p90": percentile(latencies, 0.9),
                       "p99": percentile(latencies, 0.99), "max": percentile(latencies, 1.0)},
    }))


asyncio.run(main())
