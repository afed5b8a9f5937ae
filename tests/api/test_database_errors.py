"""A value the database cannot store is bad input (422), never a 500."""

from __future__ import annotations


async def test_nul_character_in_text_is_not_a_server_error(client):
    response = await client.post(
        "/users/register",
        json={"name": "Ada\x00", "email": "nul@example.com", "password": "password123"},
    )
    assert response.status_code in (200, 422)  # SQLite stores NUL; PostgreSQL cannot
