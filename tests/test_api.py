"""HTTP API: health names the store; only the host secret creates rooms."""

from __future__ import annotations

import httpx

from server.domain.codes import CODE_ALPHABET
from tests.support import LiveServer


async def test_healthz_names_the_store(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["store"] == ("redis" if live.settings.redis_url else "memory")
    assert body["ready"] is True


async def test_only_the_host_secret_creates_rooms(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
            response = await http.post("/api/rooms", headers=headers)
            assert response.status_code == 401
            assert response.json()["error"] == "unauthorised"
        ok = {"Authorization": f"Bearer {live.settings.host_secret}"}
        bad_k = await http.post("/api/rooms", headers=ok, json={"k": 2})
        assert bad_k.status_code == 400
        created = await http.post("/api/rooms", headers=ok, json={"k": 4})
    assert created.status_code == 201
    room = created.json()
    assert len(room["code"]) == 6 and set(room["code"]) <= set(CODE_ALPHABET)
    assert len(room["facilitator_credential"]) >= 22 and len(room["display_credential"]) >= 22
    assert room["facilitator_credential"] != room["display_credential"]
    assert room["join_url"].endswith(f"/join#{room['code']}")
    state = await live.acall(live.service.load(room["code"]))
    assert state.k == 4
    # the store keeps digests, never the credentials themselves
    doc = await live.acall(live.service.store.load(room["code"]))
    assert room["facilitator_credential"].encode() not in doc
    assert room["display_credential"].encode() not in doc
