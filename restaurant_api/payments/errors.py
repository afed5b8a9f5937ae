"""Errors of the payments ledger (re-exported by `payments.service`)."""

from __future__ import annotations

from restaurant_api.errors import Conflict, ErrorCode, InvalidInput, NotFound
from restaurant_api.money import format_cents


class PaymentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Payment not found", field="payment_id")


class Overpayment(Conflict):
    """The amount is more than the check's balance due (a concurrent payment may have
    just lowered it): nothing was recorded."""

    def __init__(self, balance_cents: int) -> None:
        super().__init__(
            f"Amount exceeds the balance due ({format_cents(balance_cents)}); only cash may "
            "hand over more (the change)",
            field="amount",
        )


class PaymentNotCaptured(Conflict):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, status: str) -> None:
        super().__init__(f"Payment is {status}", field="payment_id")


class PaymentIdempotencyMismatch(InvalidInput):
    code = ErrorCode.IDEMPOTENCY_MISMATCH

    def __init__(self) -> None:
        super().__init__(
            "Idempotency key was already used for a different payment on this check",
            field="idempotency_key",
        )
