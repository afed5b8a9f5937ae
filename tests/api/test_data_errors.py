"""Values the database refuses are the client's fault (422), never a 500."""

from __future__ import annotations


async def test_nul_character_is_invalid_input(client):
    response = await client.post(
        "/users/register",
        json={"name": "a\x00b", "email": "nul@example.com", "password": "password123"},
    )
    assert response.status_code in (200, 422), response.text
    login = await client.post(
        "/users/login", json={"email": "nul\x00@example.com", "password": "password123"}
    )
    assert login.status_code in (401, 422), login.text
