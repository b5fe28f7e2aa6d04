"""The README's hub for an app: per-user topics with JWTs minted by scripts/mint-jwt, checked by a
real wsevent-service, read with sseclient-py and requests (clients we did not write)."""

import secrets
import threading

import requests
import sseclient

from conftest import mint_jwt

AUDIENCE = ["--aud", "wsevent", "--iss", "https://app.example.com"]


def test_the_readme_hub_with_jwts(start_service, tmp_path):
    key = tmp_path / "hs256.secret"
    key.write_text(secrets.token_hex(32) + "\n")
    service = start_service(
        "-no-produce", "-create-streams", "-jwt-key-file", str(key), "-jwt-audience", "wsevent", "-jwt-issuer", "https://app.example.com",
    )
    user42 = mint_jwt(key, *AUDIENCE, "--sub", "user-42", "--subscribe", "/users/42/*", "--subscribe", "/rooms/42", "--publish", "/rooms/42")
    bearer = {"Authorization": f"Bearer {user42}"}

    response = requests.get(f"{service.base}/rooms/42", headers={**bearer, "Accept": "text/event-stream"}, stream=True, timeout=10)
    assert response.status_code == 200
    received = []

    def read_one():
        for event in sseclient.SSEClient(response).events():
            received.append(event.data)
            return

    reader = threading.Thread(target=read_one, daemon=True)
    reader.start()
    # The subscription is open once its answer came: the publish after it reaches it.
    published = requests.post(f"{service.base}/rooms/42", headers={**bearer, "Content-Type": "text/plain"}, data="hi all", timeout=10)
    assert published.status_code == 200, published.text
    reader.join(timeout=10)
    response.close()
    assert received == ["hi all"]

    inbox = requests.get(f"{service.base}/users/42/inbox", headers={**bearer, "Accept": "text/event-stream"}, stream=True, timeout=10)
    assert inbox.status_code == 200
    inbox.close()
    other = requests.get(f"{service.base}/users/43/inbox", headers={**bearer, "Accept": "text/event-stream"}, timeout=10)
    assert other.status_code == 403
    assert other.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    assert other.text == "the token does not grant subscribe on /users/43/inbox\n"

    foreign = mint_jwt(key, "--aud", "another-app", "--iss", "https://app.example.com", "--subscribe", "/rooms/42")
    refused = requests.get(f"{service.base}/rooms/42", headers={"Authorization": f"Bearer {foreign}", "Accept": "text/event-stream"}, timeout=10)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
