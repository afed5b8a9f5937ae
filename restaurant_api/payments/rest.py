"""REST adapters of the ledger (additive to REST_CONTRACT.md): a check's payments, recording
one, voiding one. Money is JSON numbers like the rest of the REST API (exact to the cent)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field

from restaurant_api.api.rest import (
    CurrentUser,
    MoneyNumber,
    SessionDep,
    SettingsDep,
    SnapshotSessionDep,
    error_responses,
)
from restaurant_api.db import MAX_ID
from restaurant_api.money import from_cents
from restaurant_api.orders import service as orders_service
from restaurant_api.payments import service
from restaurant_api.payments.models import Payment, PaymentStatus, Tender

router = APIRouter(tags=["payments"], responses=error_responses(400, 401, 403, 404, 409))

Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tender: Tender
    amount: Amount = Field(description="Applied to the balance due (more than zero).")
    tendered: Amount | None = Field(
        default=None, description="Cash only: what the guest handed over (the change)."
    )
    tip: Amount = Field(default=Decimal(0), description="On top of the amount.")
    external_reference: str | None = Field(default=None, max_length=200)
    method_label: str | None = Field(default=None, max_length=40)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class PaymentPublic(BaseModel):
    id: int
    order_id: int
    tender: Tender
    amount: MoneyNumber
    tendered: MoneyNumber
    change: MoneyNumber
    tip: MoneyNumber
    external_reference: str | None
    method_label: str | None
    status: PaymentStatus
    taken_by_id: int | None
    business_date: date
    created_at: datetime
    voided_at: datetime | None
    voided_by_id: int | None
    void_reason: str | None


class PaymentsPublic(BaseModel):
    order_id: int
    order_status: str
    total: MoneyNumber
    paid_total: MoneyNumber
    tip_total: MoneyNumber
    balance_due: MoneyNumber
    payments: list[PaymentPublic]


class PaymentResultPublic(BaseModel):
    payment: PaymentPublic
    order_status: str
    balance_due: MoneyNumber
    change: MoneyNumber


def _payment(payment: Payment) -> PaymentPublic:
    return PaymentPublic(
        id=payment.id,
        order_id=payment.order_ref,
        tender=payment.tender,
        amount=from_cents(payment.amount_cents),
        tendered=from_cents(payment.tendered_cents),
        change=from_cents(payment.change_cents),
        tip=from_cents(payment.tip_cents),
        external_reference=payment.external_reference,
        method_label=payment.method_label,
        status=payment.status,
        taken_by_id=payment.taken_by_id,
        business_date=payment.business_date,
        created_at=payment.created_at,
        voided_at=payment.voided_at,
        voided_by_id=payment.voided_by_id,
        void_reason=payment.void_reason,
    )


def _result(result: service.PaymentResult) -> PaymentResultPublic:
    return PaymentResultPublic(
        payment=_payment(result.payment),
        order_status=str(result.order.status),
        balance_due=from_cents(result.balance_due_cents),
        change=from_cents(result.change_cents),
    )


@router.get(
    "/api/orders/{order_id}/payments",
    response_model=PaymentsPublic,
    summary="A check's payments and balance due",
)
async def list_payments(order_id: int, user: CurrentUser, session: SnapshotSessionDep) -> Any:
    order = await orders_service.get_order(session, actor=user, order_id=order_id)
    check = await orders_service.price_order(session, order)
    rows = (await service.payments_for_orders(session, [order.id]))[order.id]
    # Only an open check has anything due (closed: paid; split: its shares; cancelled).
    is_open = order.status == orders_service.OrderStatus.OPEN
    return PaymentsPublic(
        order_id=order.id,
        order_status=str(order.status),
        total=from_cents(check.total_cents),
        paid_total=from_cents(service.paid_total(rows)),
        tip_total=from_cents(service.tip_total(rows)),
        balance_due=from_cents(service.balance_due(check.total_cents, rows) if is_open else 0),
        payments=[_payment(p) for p in rows],
    )


@router.post(
    "/api/orders/{order_id}/payments",
    response_model=PaymentResultPublic,
    summary="Record a payment (closes the check when its balance reaches zero)",
)
async def record_payment(
    order_id: int,
    body: PaymentIn,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="A retry with the same key returns the first payment, recording nothing.",
        ),
    ] = None,
) -> Any:
    result = await service.record_payment(
        session,
        actor=user,
        calendar=service.calendar_for(settings),
        order_id=order_id,
        tender=body.tender,
        amount=body.amount,
        tendered=body.tendered,
        tip=body.tip,
        external_reference=body.external_reference,
        method_label=body.method_label,
        idempotency_key=idempotency_key,
        version=body.version,
    )
    return _result(result)


@router.post(
    "/api/payments/{payment_id}/void",
    response_model=PaymentResultPublic,
    summary="Void a payment taken by mistake (while its check is open)",
)
async def void_payment(
    payment_id: int, body: VoidIn, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Any:
    result = await service.void_payment(
        session,
        actor=user,
        calendar=service.calendar_for(settings),
        payment_id=payment_id,
        reason=body.reason,
    )
    return _result(result)
