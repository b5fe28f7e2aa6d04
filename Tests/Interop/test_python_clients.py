"""The wire format, checked by Python clients we did not write: websockets, sseclient-py, requests."""

import asyncio
import base64

import requests
import sseclient
import websockets

TOKEN = "interop-token"


def publish(service, body, content_type="text/plain; charset=utf-8"):
    response = requests.post(
        f"{service.base}/events",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def subscribers(service):
    return requests.get(f"{service.base}/healthz", timeout=10).json()["streams"][0]["subscribers"]


async def wait_for_subscribers(service, count):
    for _ in range(500):
        if subscribers(service) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never saw {count} subscribers")


def test_websocket_plain_and_v1_with_resume(start_service):
    service = start_service("-publish-token", TOKEN, "-interval", "1h")

    async def scenario():
        url = f"ws://127.0.0.1:{service.port}/events"
        async with websockets.connect(url) as plain, websockets.connect(url, subprotocols=["wsevent.v1"]) as v1:
            assert plain.subprotocol is None
            assert v1.subprotocol == "wsevent.v1"
            hello = await asyncio.wait_for(v1.recv(), 10)
            words = hello.split("\n")[0].split(" ")
            assert words[0] == "hello"
            epoch = words[1]
            await wait_for_subscribers(service, 2)
            first = publish(service, "one\ntwo")
            second = publish(service, b"\x00\xff", content_type="application/octet-stream")
            assert first["epoch"] == epoch
            assert second["id"] == first["id"] + 1
            assert await asyncio.wait_for(plain.recv(), 10) == "one\ntwo"
            assert await asyncio.wait_for(plain.recv(), 10) == b"\x00\xff"
            assert await asyncio.wait_for(v1.recv(), 10) == f"{first['id']}\none\ntwo"
            assert await asyncio.wait_for(v1.recv(), 10) == f"{second['id']}\n".encode() + b"\x00\xff"

        # Resume: what was published while away comes back, exactly.
        missed = [publish(service, f"missed {i}")["id"] for i in range(3)]
        resume_url = f"{url}?since={second['id']}&epoch={epoch}"
        async with websockets.connect(resume_url, subprotocols=["wsevent.v1"]) as v1:
            assert (await asyncio.wait_for(v1.recv(), 10)).startswith(f"hello {epoch} ")
            replayed = [await asyncio.wait_for(v1.recv(), 10) for _ in missed]
            assert [int(m.split("\n")[0]) for m in replayed] == missed
            assert [m.split("\n", 1)[1] for m in replayed] == ["missed 0", "missed 1", "missed 2"]

    asyncio.run(scenario())


def test_sse_client_receives_and_resumes(start_service):
    service = start_service("-publish-token", TOKEN, "-interval", "1h")
    ids = [publish(service, f"line {i}\nsecond line")["id"] for i in range(5)]
    epoch = requests.get(f"{service.base}/healthz", timeout=10).json()["streams"][0]["epoch"]

    response = requests.get(
        f"{service.base}/events",
        headers={"Accept": "text/event-stream", "Last-Event-ID": f"{epoch}.{ids[1]}"},
        stream=True,
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    events = sseclient.SSEClient(response).events()
    received = [next(events) for _ in ids[2:]]
    assert [e.id for e in received] == [f"{epoch}.{i}" for i in ids[2:]]
    assert [e.data for e in received] == [f"line {i}\nsecond line" for i in range(2, 5)]

    publish(service, b"\x01\x02\x03", content_type="application/octet-stream")
    binary = next(events)
    assert binary.event == "binary"
    assert base64.b64decode(binary.data) == b"\x01\x02\x03"
    response.close()

    # The query parameter a browser can set on its first connect works the same way.
    response = requests.get(
        f"{service.base}/events?last_event_id={epoch}.{ids[3]}",
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=10,
    )
    assert next(sseclient.SSEClient(response).events()).id == f"{epoch}.{ids[4]}"
    response.close()


def test_publish_refusals(start_service):
    service = start_service("-publish-token", TOKEN, "-interval", "1h", "-max-message-size", "1KiB")
    url = f"{service.base}/events"
    assert requests.post(url, data="x", timeout=10).status_code == 401
    assert requests.post(url, data="x", headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    big = requests.post(url, data="x" * 2048, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert big.status_code == 413
    bad = requests.post(
        url, data=b"\xc3\x28", headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"}, timeout=10
    )
    assert bad.status_code == 400
    assert publish(service, "after the refusals")["id"] == 1
    off = start_service("-interval", "1h")
    answer = requests.post(f"{off.base}/events", data="x", timeout=10)
    assert answer.status_code == 403
    assert "-publish-token" in answer.text
