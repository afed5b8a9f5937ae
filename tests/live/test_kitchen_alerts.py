"""kitchenAlerts: each late ticket is announced once, whichever process found it.

In-process (SQLite and PostgreSQL): the test sweeps at an explicit `now`. Two processes
(PostgreSQL): real servers whose watches sweep every 0.2 s; each socket gets the alert
exactly once, and nothing after several more sweeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from restaurant_api.api.node import to_global_id
from restaurant_api.db import Database
from restaurant_api.kitchen import lateness
from restaurant_api.kitchen.models import KitchenTicket
from restaurant_api.users import service as users_service
from restaurant_api.users.models import Role
from tests.conftest import PASSWORD
from tests.kitchen.test_lateness import make_fired_ticket
from tests.live.conftest import GraphQLSocket, open_socket
from tests.servers import (
    LiveServer,
    access_token,
    migrated_postgres_database,
    start_server,
    stop_server,
)

ALERTS = """
subscription Alerts($station: String) {
  kitchenAlerts(station: $station) {
    kind
    alerts { station dueAt lateAt reason lateBySeconds targetLine { name } ticket { id isLate } }
  }
}
"""


async def expect_nothing(socket: GraphQLSocket, within: float) -> None:
    with pytest.raises(TimeoutError):
        message = await socket.receive(within)
        pytest.fail(f"unexpected message {message}")


async def test_alert_once_per_late_ticket_filtered_by_station(backend, db, live_server, kitchen):
    now = datetime.now(UTC)
    already = await make_fired_ticket(db, fired_at=now - timedelta(hours=2))
    async with db.session() as session:
        assert [t.id for t in await lateness.detect_late_tickets(session, now=now)] == [already.id]
    sockets = {}
    for station in ("kitchen", "bar"):
        socket = await open_socket(live_server, token=kitchen.token)
        await socket.subscribe(ALERTS, {"station": station})
        sockets[station] = socket
    # The snapshot: what is late right now, at the screen's station.
    snapshot = (await sockets["kitchen"].next_data())["kitchenAlerts"]
    assert snapshot["kind"] == "SNAPSHOT"
    assert [a["ticket"]["id"] for a in snapshot["alerts"]] == [gid(already)]
    assert (await sockets["bar"].next_data())["kitchenAlerts"] == {
        "kind": "SNAPSHOT",
        "alerts": [],
    }

    ticket = await make_fired_ticket(db, fired_at=now - timedelta(minutes=30))
    async with db.session() as session:
        await lateness.detect_late_tickets(session, now=now)
    change = (await sockets["kitchen"].next_data())["kitchenAlerts"]
    assert change["kind"] == "CHANGES"
    [alert] = change["alerts"]
    assert alert["ticket"] == {"id": gid(ticket), "isLate": True}
    assert alert["station"] == "kitchen"
    assert alert["targetLine"] == {"name": "Ribeye"}
    assert alert["reason"].startswith("not ready 5 min after due: 2x Ribeye (25 min target)")
    assert alert["lateBySeconds"] >= 300
    # Later sweeps announce nothing; the bar screen never heard of the kitchen's ticket.
    for minutes in (1, 2):
        async with db.session() as session:
            await lateness.detect_late_tickets(session, now=now + timedelta(minutes=minutes))
    await expect_nothing(sockets["kitchen"], 0.5)
    await expect_nothing(sockets["bar"], 0.1)
    for socket in sockets.values():
        await socket.connection.close()


def gid(ticket: KitchenTicket) -> str:
    return to_global_id("KitchenTicket", ticket.id)


class Cluster:
    def __init__(self, db: Database, servers: list[LiveServer], token: str) -> None:
        self.db, self.servers, self.token = db, servers, token


@pytest.fixture(scope="module")
def alerts_database() -> str:
    return migrated_postgres_database("restaurant_alerts")


async def wait_ready_within(
    live: LiveServer, process: subprocess.Popen[bytes], seconds: float
) -> None:
    """As tests.servers.wait_ready, with room for a slow start on a busy machine."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            assert process.poll() is None, "the server died"
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(live.url + "/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{live.url} did not become ready")


@pytest.fixture(scope="module")
async def cluster(
    alerts_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Cluster]:
    workdir = tmp_path_factory.mktemp("alerts")
    db = Database(alerts_database)
    started = [
        start_server(alerts_database, workdir, KITCHEN_WATCH_SECONDS="0.2") for _ in range(2)
    ]
    try:
        for process, live in started:
            await wait_ready_within(live, process, 120)
        async with db.session() as session:
            user = await users_service.create_user(
                session, name="Cook", email="cook@example.com", password=PASSWORD, role=Role.KITCHEN
            )
        yield Cluster(db, [live for _, live in started], access_token(user))
    finally:
        for process, _live in started:
            stop_server(process)
        await db.dispose()


async def test_two_processes_announce_each_late_ticket_once(cluster):
    sockets = [await open_socket(server, token=cluster.token) for server in cluster.servers]
    for socket in sockets:
        await socket.subscribe(ALERTS)
        assert (await socket.next_data())["kitchenAlerts"]["kind"] == "SNAPSHOT"
    # Due a minute ago: the next sweep of either server (both race for it) finds it.
    ticket = await make_fired_ticket(cluster.db, fired_at=datetime.now(UTC) - timedelta(minutes=26))
    alerts = await asyncio.gather(*(socket.next_data(within=5) for socket in sockets))
    for message in alerts:
        update = message["kitchenAlerts"]
        assert update["kind"] == "CHANGES"
        assert [a["ticket"]["id"] for a in update["alerts"]] == [gid(ticket)]
    # Several more sweeps of both servers (every 0.2 s): no second alert anywhere.
    await asyncio.gather(*(expect_nothing(socket, 1.5) for socket in sockets))
    async with cluster.db.session(read_only=True) as session:
        row = await session.get(KitchenTicket, ticket.id)
    assert row is not None and row.late_at is not None
    for socket in sockets:
        await socket.connection.close()
