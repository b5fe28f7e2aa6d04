#!/usr/bin/env python3
"""History replay memory: a hub on the store, a long history of large events, and subscribers
that resume from the start and read slowly. Prints the hub's RSS while they read and after they
left. What issue 16 measured as 78 MB -> 5.5 GB before replay paged by bytes.

    python3 bench/store/replay_memory.py --store postgres://... [--binary .build/debug/wsevent-service]

Defaults are the issue's: 600 events of 512 KiB, 20 subscribers with since=0 reading 64 KiB
every 0.2 s, watched for 20 s. Everything on 127.0.0.1; the hub is stopped at the end.
"""
import argparse
import base64
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def slow_reader(port, chunk, pause, stop, counts, index):
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /events?since=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wsevent.v1\r\n\r\n"
        ).encode()
    )
    sock.settimeout(1)
    while not stop.is_set():
        try:
            data = sock.recv(chunk)
        except socket.timeout:
            data = b"."
        if not data:
            break
        counts[index] += len(data)
        time.sleep(pause)
    sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--binary", default=".build/debug/wsevent-service")
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--size", type=int, default=512 << 10)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=64 << 10)
    parser.add_argument("--pause", type=float, default=0.2)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()

    hub = subprocess.Popen(
        [args.binary, "-serve-address", "127.0.0.1:0", "-no-produce", "-publish-token", "t", "-store", args.store],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        for line in hub.stderr:
            match = re.search(r"serving ws://[^:]+:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
        if port is None:
            raise SystemExit("the hub did not start")
        threading.Thread(target=lambda: [None for _ in hub.stderr], daemon=True).start()
        body = b"x" * args.size
        for _ in range(args.events):
            for attempt in range(50):
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/events", data=body, headers={"Authorization": "Bearer t", "Content-Type": "application/octet-stream"}
                )
                try:
                    urllib.request.urlopen(request).read()
                    break
                except Exception:
                    time.sleep(0.2)
        print(f"published {args.events} events of {args.size} bytes; hub RSS {rss_mb(hub.pid):.0f} MB")

        stop = threading.Event()
        counts = [0] * args.subscribers
        readers = [
            threading.Thread(target=slow_reader, args=(port, args.chunk, args.pause, stop, counts, i), daemon=True)
            for i in range(args.subscribers)
        ]
        for reader in readers:
            reader.start()
        peak = 0.0
        for second in range(1, args.seconds + 1):
            time.sleep(1)
            rss = rss_mb(hub.pid)
            peak = max(peak, rss)
            if second in (1, 2, 5, 10) or second == args.seconds:
                print(f"{second:3d} s: RSS {rss:6.0f} MB, subscribers read {sum(counts) / 1e6:.0f} MB in all")
        stop.set()
        for reader in readers:
            reader.join()
        time.sleep(5)
        print(f"peak RSS {peak:.0f} MB while {args.subscribers} subscribers replayed; {rss_mb(hub.pid):.0f} MB 5 s after they left")
    finally:
        hub.terminate()
        hub.wait(timeout=30)


if __name__ == "__main__":
    main()
