"""The kitchen watch: a background task per process that runs the kitchen's sweeps.

Every `interval` seconds it opens a unit of work per sweep and runs it with the current
time: late detection (`kitchen.lateness.detect_late_tickets`) is one; courses that fire by
themselves are another (registered by the app). Each sweep commits on its own, so one that
fails (logged, rolled back) neither undoes nor stops the others, and the loop goes on.
Sweeps must be safe to run in several processes at once: each change is claimed by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from restaurant_api.config import Settings
from restaurant_api.db import Database, utcnow
from restaurant_api.kitchen.courses import fire_due_courses
from restaurant_api.kitchen.lateness import detect_late_tickets

logger = logging.getLogger("restaurant_api.kitchen.watch")

Sweep = Callable[[AsyncSession, datetime], Awaitable[object]]


async def sweep_late_tickets(session: AsyncSession, now: datetime) -> object:
    """The late-detection sweep."""
    return await detect_late_tickets(session, now=now)


DEFAULT_SWEEPS: tuple[Sweep, ...] = (sweep_late_tickets,)


def course_auto_fire(after_minutes: int) -> Sweep:
    """The sweep that fires a held course `after_minutes` after the previous was served."""

    async def sweep_due_courses(session: AsyncSession, now: datetime) -> object:
        return await fire_due_courses(session, now=now, after_minutes=after_minutes)

    return sweep_due_courses


def kitchen_sweeps(settings: Settings) -> list[Sweep]:
    """The sweeps the app's watch runs with these settings: late detection, and courses
    firing by themselves when `course_auto_fire_minutes` is set."""
    sweeps = list(DEFAULT_SWEEPS)
    if settings.course_auto_fire_minutes is not None:
        sweeps.append(course_auto_fire(settings.course_auto_fire_minutes))
    return sweeps


async def run_sweeps(
    db: Database, sweeps: Sequence[Sweep], *, now: datetime | None = None
) -> list[BaseException | None]:
    """Run every sweep once, each in its own unit of work; a failure is logged and
    returned in its place (None: it succeeded)."""
    outcomes: list[BaseException | None] = []
    for sweep in sweeps:
        try:
            async with db.session() as session:
                await sweep(session, now or utcnow())
        except Exception as error:
            logger.exception("kitchen watch: sweep %s failed", getattr(sweep, "__name__", sweep))
            outcomes.append(error)
        else:
            outcomes.append(None)
    return outcomes


class KitchenWatch:
    """Runs `sweeps` every `interval` seconds until stopped."""

    def __init__(
        self, db: Database, *, interval: float, sweeps: Sequence[Sweep] = DEFAULT_SWEEPS
    ) -> None:
        self.db = db
        self.interval = interval
        self.sweeps: list[Sweep] = list(sweeps)
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def add(self, sweep: Sweep) -> None:
        """Register another sweep (from the next round on)."""
        self.sweeps.append(sweep)

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name="kitchen-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await run_sweeps(self.db, list(self.sweeps))
            except Exception:  # never expected (run_sweeps catches): the loop must live on
                logger.exception("kitchen watch: round failed")
            await asyncio.sleep(self.interval)
