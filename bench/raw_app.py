"""The raw baseline of bench/bench_reads.py: Starlette + async psycopg, one SQL statement per
request with the JSON built by PostgreSQL, no ORM and no framework on top.

    DATABASE_URL=postgresql://... uvicorn --app-dir bench raw_app:app --port 8160

GET /menu (the REST `GET /api/menu` fields), GET /orders (the 50 newest open orders with
lines, menu items, table, tickets and ticket lines), GET /orders/{id} (one such order).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MENU_SQL = """
SELECT coalesce(json_agg(json_build_object(
    'id', m.id, 'name', m.name, 'description', m.description, 'category', m.category,
    'price', round(m.price_cents / 100.0, 2), 'is_available', m.is_available,
    'display_order', m.display_order) ORDER BY m.display_order, m.id), '[]')::text
FROM menu_items m
"""

# One order as JSON: every nested list is a correlated subquery, so one statement serves all.
ORDER_JSON = """
json_build_object(
  'id', o.id, 'status', o.status, 'customerCount', o.customer_count,
  'specialRequests', o.special_requests, 'version', o.version, 'createdAt', o.created_at,
  'total', (SELECT coalesce(sum(l.unit_price_cents * l.quantity), 0) / 100.0
            FROM order_lines l WHERE l.order_id = o.id),
  'table', (SELECT json_build_object('id', t.id, 'tableNumber', t.table_number,
                   'capacity', t.capacity, 'status', t.status)
            FROM dining_tables t WHERE t.id = o.table_id),
  'lines', (SELECT coalesce(json_agg(json_build_object(
              'id', l.id, 'position', l.position, 'name', l.name, 'category', l.category,
              'quantity', l.quantity, 'modifiers', l.modifiers, 'seatNumber', l.seat_number,
              'unitPrice', round(l.unit_price_cents / 100.0, 2),
              'menuItem', (SELECT json_build_object('id', m.id, 'name', m.name,
                                  'category', m.category,
                                  'price', round(m.price_cents / 100.0, 2))
                           FROM menu_items m WHERE m.id = l.menu_item_id))
              ORDER BY l.position), '[]')
            FROM order_lines l WHERE l.order_id = o.id),
  'tickets', (SELECT coalesce(json_agg(json_build_object(
                'id', k.id, 'station', k.station, 'status', k.status,
                'fireNumber', k.fire_number,
                'lines', (SELECT coalesce(json_agg(json_build_object(
                            'id', kl.id, 'name', kl.name, 'quantity', kl.quantity,
                            'modifiers', kl.modifiers, 'seatNumber', kl.seat_number)
                            ORDER BY kl.id), '[]')
                          FROM kitchen_ticket_lines kl WHERE kl.ticket_id = k.id))
                ORDER BY k.fire_number, k.id), '[]')
              FROM kitchen_tickets k WHERE k.order_id = o.id))
"""
ORDERS_SQL = f"""
SELECT coalesce(json_agg(page.doc ORDER BY page.id DESC), '[]')::text FROM (
  SELECT o.id, {ORDER_JSON} AS doc FROM orders o
  WHERE o.status = 'open' ORDER BY o.id DESC LIMIT 50) page
"""
ORDER_SQL = f"SELECT {ORDER_JSON}::text FROM orders o WHERE o.id = %s"


class Pool:
    """A fixed set of autocommit connections handed out through a queue."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size = url, size
        self.idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(self.url, autocommit=True))

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()

    async def fetch_text(self, sql: str, *params: object) -> str | None:
        connection = await self.idle.get()
        try:
            row = await (await connection.execute(sql, params or None)).fetchone()
        finally:
            self.idle.put_nowait(connection)
        return row[0] if row else None


pool = Pool(os.environ.get("DATABASE_URL", ""), int(os.environ.get("RAW_POOL_SIZE", "4")))


def json_response(body: str | None) -> Response:
    if body is None:
        return Response('{"detail": "Not found"}', 404, media_type="application/json")
    return Response(body, media_type="application/json")


async def menu(_: Request) -> Response:
    return json_response(await pool.fetch_text(MENU_SQL))


async def orders(_: Request) -> Response:
    return json_response(await pool.fetch_text(ORDERS_SQL))


async def order(request: Request) -> Response:
    return json_response(await pool.fetch_text(ORDER_SQL, int(request.path_params["id"])))


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    await pool.open()
    yield
    await pool.close()


app = Starlette(
    routes=[
        Route("/menu", menu),
        Route("/orders", orders),
        Route("/orders/{id:int}", order),
    ],
    lifespan=lifespan,
)
