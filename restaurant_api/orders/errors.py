"""Errors every module of the orders domain raises (re-exported by `orders.service`)."""

from __future__ import annotations

from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Order not found")


class OrderNotOpen(Conflict):
    """The order is closed, cancelled or split.

    Two messages on purpose, each the one its entry points have always sent: changing an
    order (update, close, cancel) names its status; the floor's use cases (seating an order
    at a table, splitting a table's bill) pass no status and say only that it is not open.
    """

    code = ErrorCode.ORDER_CLOSED

    def __init__(self, status: str | None = None) -> None:
        if status is None:
            super().__init__("Order is not open")
        else:
            super().__init__(f"Order is {status} and can no longer be changed")


class OrderLineNotFound(NotFound):
    def __init__(self, line_id: int) -> None:
        super().__init__(f"Order line {line_id} not found on this order", field="line_id")


class VersionConflict(Conflict):
    code = ErrorCode.VERSION_CONFLICT

    def __init__(self, current: int) -> None:
        super().__init__(
            f"Order was changed by someone else (now version {current}); reload and retry",
            field="version",
        )


class IdempotencyMismatch(InvalidInput):
    code = ErrorCode.IDEMPOTENCY_MISMATCH

    def __init__(self) -> None:
        super().__init__(
            "Idempotency key was already used with a different request", field="idempotency_key"
        )


class IdempotencyInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__("A request with this idempotency key is still in progress; retry")
