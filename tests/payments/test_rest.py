"""The ledger over REST (additive endpoints), on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.factories import Item


async def test_record_list_and_void_over_rest(client, server, kitchen, add_order):
    order = await add_order([Item("Steak", 6000), Item("Wine", 4000)])
    url = f"/api/orders/{order.id}/payments"
    card = await client.post(
        url, json={"tender": "card", "amount": "30.00", "tip": 5, "external_reference": "T-9"},
        headers={**server.headers, "Idempotency-Key": "pos-1"},
    )  # fmt: skip
    assert card.status_code == 200, card.text
    body = card.json()
    assert (body["balance_due"], body["change"], body["order_status"]) == (70, 0, "open")
    assert body["payment"]["tender"] == "card" and body["payment"]["tip"] == 5
    retry = await client.post(
        url, json={"tender": "card", "amount": "30.00", "tip": 5, "external_reference": "T-9"},
        headers={**server.headers, "Idempotency-Key": "pos-1"},
    )  # fmt: skip
    assert retry.json()["payment"]["id"] == body["payment"]["id"]
    mismatch = await client.post(
        url, json={"tender": "card", "amount": "31.00"},
        headers={**server.headers, "Idempotency-Key": "pos-1"},
    )  # fmt: skip
    assert mismatch.status_code in (400, 422), mismatch.text
    over = await client.post(url, json={"tender": "card", "amount": 70.01}, headers=server.headers)
    assert over.status_code == 409
    assert over.json()["detail"].startswith("Amount exceeds the balance due (70.00)")
    bad = await client.post(url, json={"tender": "coins", "amount": 1}, headers=server.headers)
    assert bad.status_code == 422
    denied = await client.post(url, json={"tender": "cash", "amount": 1}, headers=kitchen.headers)
    assert denied.status_code == 403
    missing = await client.post(
        "/api/orders/987654/payments", json={"tender": "cash", "amount": 1}, headers=server.headers
    )
    assert missing.status_code == 404

    void = await client.post(
        f"/api/payments/{body['payment']['id']}/void", json={"reason": "wrong card"},
        headers=server.headers,
    )  # fmt: skip
    assert void.status_code == 200, void.text
    assert void.json()["payment"]["status"] == "voided"
    assert void.json()["balance_due"] == 100
    cash = await client.post(
        url, json={"tender": "cash", "amount": 100, "tendered": 120}, headers=server.headers
    )
    assert cash.json()["change"] == 20 and cash.json()["order_status"] == "closed"

    listed = await client.get(url, headers=server.headers)
    assert listed.status_code == 200
    summary = listed.json()
    assert (summary["total"], summary["paid_total"], summary["tip_total"]) == (100, 100, 0)
    assert (summary["balance_due"], summary["order_status"]) == (0, "closed")
    assert [(p["tender"], p["status"]) for p in summary["payments"]] == [
        ("card", "voided"), ("cash", "captured"),
    ]  # fmt: skip
    gone = await client.get("/api/orders/987654/payments", headers=server.headers)
    assert gone.status_code == 404
    late = await client.post(
        f"/api/payments/{body['payment']['id']}/void", json={"reason": "x"}, headers=server.headers
    )
    assert late.status_code == 409
