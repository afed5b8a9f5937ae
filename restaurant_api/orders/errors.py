"""Errors every module of the orders domain raises (re-exported by `orders.service`)."""

from __future__ import annotations

from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound


class OrderNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Order not found")


class OrderNotOpen(Conflict):
    code = ErrorCode.ORDER_CLOSED

    def __init__(self, status: str) -> None:
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
