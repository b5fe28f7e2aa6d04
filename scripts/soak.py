"""The soak run behind scripts/soak: an origin hub, two relays, wsevent.v1 subscribers and a
publisher, with a relay killed (SIGKILL) and restarted every 30 s, for MINUTES minutes.

Subscribers resume with since/epoch after every loss, on the other relay while theirs is down,
as a reverse proxy would send them. At the end every subscriber must hold every acknowledged
event exactly once: lost and duplicated are counted per subscriber and summed.

Everything runs on 127.0.0.1 and stops by itself. Run it through scripts/soak, which builds the
release binary and the Python environment first.
"""

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

import websockets

TOKEN = "soak"


def rss_kib(pid):
    """Resident set size of a process in KiB, from /proc."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class Instance:
    """One wsevent-service process, restartable on the same port."""

    def __init__(self, name, binary, port, extra):
        self.name, self.binary, self.port, self.extra = name, binary, port, extra
        self.process = None
        self.first_rss = None

    def start(self):
        arguments = [self.binary, "-serve", f"127.0.0.1:{self.port}/events", "-log-level", "warning"] + self.extra
        self.process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def rss(self):
        return rss_kib(self.process.pid) if self.process and self.process.poll() is None else 0


async def wait_ready(port, deadline=30):
    """Polls /healthz until it answers 200."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"instance on port {port} did not become ready")


class Subscriber:
    """A wsevent.v1 subscriber that resumes after every loss, preferring its own relay."""

    def __init__(self, index, ports):
        self.index = index
        self.ports = ports
        self.preferred = index % len(ports)
        self.epoch = None
        self.last = 0
        self.counts = {}
        self.gaps = 0
        self.reconnects = 0
        self.connected = asyncio.Event()

    async def run(self, stop):
        attempt = 0
        while not stop.is_set():
            port = self.ports[(self.preferred + attempt) % len(self.ports)]
            query = f"?since={self.last}&epoch={self.epoch}" if self.epoch else "?since=0"
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{port}/events{query}",
                    subprotocols=["wsevent.v1"],
                    open_timeout=5,
                    ping_interval=None,
                    max_size=None,
                ) as socket:
                    attempt = 0
                    self.connected.set()
                    async for message in socket:
                        self.receive(message)
                        if stop.is_set():
                            return
            except Exception:
                pass
            if stop.is_set():
                return
            self.reconnects += 1
            attempt += 1  # try the other relay next
            await asyncio.sleep(0.05 + random.random() * 0.2)

    def receive(self, message):
        data = message.encode() if isinstance(message, str) else message
        header, _, _ = data.partition(b"\n")
        words = header.decode().split()
        if words[0] == "hello":
            self.epoch = words[1]
        elif words[0] == "gap":
            self.gaps += 1
        else:
            event_id = int(words[0])
            self.counts[event_id] = self.counts.get(event_id, 0) + 1
            self.last = max(self.last, event_id)


async def publish(port, stop, rate, acknowledged):
    """POSTs events at `rate` per second to the origin; records the acknowledged ids."""
    loop = asyncio.get_running_loop()

    def post(n):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/events",
            data=f"soak event {n}".encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
            return int(body.split('"id":')[1].split(",")[0])

    n = 0
    next_at = time.monotonic()
    while not stop.is_set():
        n += 1
        try:
            acknowledged.append(await loop.run_in_executor(None, post, n))
        except Exception as error:
            print(f"soak: publish {n} failed: {error}", file=sys.stderr)
        next_at += 1 / rate
        await asyncio.sleep(max(0, next_at - time.monotonic()))


async def chaos(relays, stop, period, kills):
    """Kills one relay (SIGKILL) every `period` seconds, in turn, and restarts it."""
    turn = 0
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=period)
            return
        except asyncio.TimeoutError:
            pass
        relay = relays[turn % len(relays)]
        turn += 1
        relay.kill()
        kills.append(relay.name)
        await asyncio.sleep(2)
        relay.start()
        await wait_ready(relay.port)


async def soak(arguments):
    base = arguments.port
    origin = Instance("origin", arguments.binary, base, ["-no-produce", "-publish-token", TOKEN])
    relays = [
        Instance(f"relay{i}", arguments.binary, base + i, ["-no-produce", "-consume", f"127.0.0.1:{base}/events"])
        for i in (1, 2)
    ]
    instances = [origin] + relays
    try:
        origin.start()
        await wait_ready(origin.port)
        for relay in relays:
            relay.start()
        for relay in relays:
            await wait_ready(relay.port)

        stop = asyncio.Event()
        subscribers = [Subscriber(i, [relay.port for relay in relays]) for i in range(arguments.subscribers)]
        tasks = [asyncio.create_task(subscriber.run(stop)) for subscriber in subscribers]
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in subscribers)), timeout=60)
        for instance in instances:
            instance.first_rss = instance.rss()

        acknowledged, kills = [], []
        publisher_stop, chaos_stop = asyncio.Event(), asyncio.Event()
        started = time.monotonic()
        publisher = asyncio.create_task(publish(origin.port, publisher_stop, arguments.rate, acknowledged))
        killer = asyncio.create_task(chaos(relays, chaos_stop, arguments.kill_every, kills))
        await asyncio.sleep(arguments.minutes * 60)
        chaos_stop.set()
        await killer
        publisher_stop.set()
        await publisher
        # Let every subscriber catch up with the last acknowledged event (bounded).
        last = max(acknowledged, default=0)
        end = time.monotonic() + 60
        while time.monotonic() < end and any(s.last < last for s in subscribers):
            await asyncio.sleep(0.2)
        elapsed = time.monotonic() - started
        end_rss = {instance.name: instance.rss() for instance in instances}
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        wanted = set(acknowledged)
        lost = sum(len(wanted - s.counts.keys()) for s in subscribers)
        duplicated = sum(sum(count - 1 for count in s.counts.values() if count > 1) for s in subscribers)
        delivered = sum(sum(s.counts.values()) for s in subscribers)
        print(f"soak: {arguments.minutes} min ({elapsed:.0f} s), origin + 2 relays, {len(subscribers)} wsevent.v1 subscribers, "
              f"{arguments.rate}/s published, a relay killed (SIGKILL) and restarted every {arguments.kill_every} s")
        print(f"published (acknowledged): {len(acknowledged)}")
        print(f"delivered: {delivered} (expected {len(acknowledged) * len(subscribers)})")
        print(f"lost: {lost}")
        print(f"duplicated: {duplicated}")
        print(f"gap notices: {sum(s.gaps for s in subscribers)}")
        print(f"relay kills: {len(kills)}; subscriber reconnects: {sum(s.reconnects for s in subscribers)}")
        for instance in instances:
            print(f"rss {instance.name}: start {instance.first_rss} KiB, end {end_rss[instance.name]} KiB"
                  + (" (restarted during the run)" if instance.name in kills else ""))
        return 0 if lost == 0 and duplicated == 0 else 1
    finally:
        for instance in instances:
            instance.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("minutes", type=float, nargs="?", default=10)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--port", type=int, default=18700)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--kill-every", type=float, default=30)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(soak(arguments)))


if __name__ == "__main__":
    main()
