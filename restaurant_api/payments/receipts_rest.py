"""REST: a check's receipt as JSON and as printer text (additive endpoints)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from restaurant_api.api.rest import (
    CurrentUser,
    MoneyNumber,
    SettingsDep,
    SnapshotSessionDep,
    error_responses,
)
from restaurant_api.config import Settings
from restaurant_api.money import format_rate, from_cents
from restaurant_api.payments import receipt_text, receipts
from restaurant_api.payments.days import BusinessCalendar

router = APIRouter(
    prefix="/api/orders", tags=["receipts"], responses=error_responses(400, 401, 403, 404)
)


class ReceiptOptionPublic(BaseModel):
    group: str
    name: str
    price_delta: MoneyNumber


class ReceiptDiscountPublic(BaseModel):
    name: str
    is_comp: bool
    amount: MoneyNumber  # what it takes off (positive)


class ReceiptLinePublic(BaseModel):
    name: str
    quantity: int
    unit_price: MoneyNumber  # options included
    gross: MoneyNumber
    options: list[ReceiptOptionPublic]
    modifiers: list[str]
    seat_number: int | None
    discounts: list[ReceiptDiscountPublic]


class ReceiptChargePublic(BaseModel):
    name: str
    amount: MoneyNumber


class ReceiptTaxPublic(BaseModel):
    name: str
    rate: str  # exact percentage, e.g. "8.875"
    inclusive: bool  # inside the prices: not added to the total
    amount: MoneyNumber


class ReceiptPaymentPublic(BaseModel):
    tender: str
    label: str
    amount: MoneyNumber
    tendered: MoneyNumber
    change: MoneyNumber
    tip: MoneyNumber
    external_reference: str | None
    taken_at: datetime


class ReceiptPublic(BaseModel):
    """A check's receipt; times are in the restaurant's time zone, amounts exact."""

    order_id: int
    status: str
    restaurant_name: str | None
    table_number: int | None
    server_name: str | None
    customer_count: int
    timezone: str
    opened_at: datetime
    closed_at: datetime | None
    printed_at: datetime
    split_from_id: int | None
    lines: list[ReceiptLinePublic]
    check_discounts: list[ReceiptDiscountPublic]
    service_charges: list[ReceiptChargePublic]
    subtotal: MoneyNumber
    discount_total: MoneyNumber
    service_charge_total: MoneyNumber
    taxes: list[ReceiptTaxPublic]
    tax: MoneyNumber
    inclusive_tax: MoneyNumber
    total: MoneyNumber
    payments: list[ReceiptPaymentPublic]
    paid_total: MoneyNumber
    tip_total: MoneyNumber
    change_total: MoneyNumber
    balance_due: MoneyNumber


def _money(cents: int) -> Decimal:
    return from_cents(cents)


def _discount(item: receipts.ReceiptDiscount) -> ReceiptDiscountPublic:
    return ReceiptDiscountPublic(
        name=item.name, is_comp=item.is_comp, amount=_money(item.amount_cents)
    )


def present_receipt(receipt: receipts.Receipt) -> ReceiptPublic:
    return ReceiptPublic(
        order_id=receipt.order_id,
        status=receipt.status,
        restaurant_name=receipt.restaurant_name,
        table_number=receipt.table_number,
        server_name=receipt.server_name,
        customer_count=receipt.customer_count,
        timezone=receipt.timezone,
        opened_at=receipt.opened_at,
        closed_at=receipt.closed_at,
        printed_at=receipt.printed_at,
        split_from_id=receipt.split_from_id,
        lines=[
            ReceiptLinePublic(
                name=line.name,
                quantity=line.quantity,
                unit_price=_money(line.unit_price_cents),
                gross=_money(line.gross_cents),
                options=[
                    ReceiptOptionPublic(
                        group=option.group,
                        name=option.name,
                        price_delta=_money(option.price_delta_cents),
                    )
                    for option in line.options
                ],
                modifiers=list(line.modifiers),
                seat_number=line.seat_number,
                discounts=[_discount(item) for item in line.discounts],
            )
            for line in receipt.lines
        ],
        check_discounts=[_discount(item) for item in receipt.check_discounts],
        service_charges=[
            ReceiptChargePublic(name=charge.name, amount=_money(charge.amount_cents))
            for charge in receipt.service_charges
        ],
        subtotal=_money(receipt.subtotal_cents),
        discount_total=_money(receipt.discount_cents),
        service_charge_total=_money(receipt.service_charge_cents),
        taxes=[
            ReceiptTaxPublic(
                name=tax.name,
                rate=format_rate(tax.rate_ppm),
                inclusive=tax.inclusive,
                amount=_money(tax.amount_cents),
            )
            for tax in receipt.taxes
        ],
        tax=_money(receipt.tax_cents),
        inclusive_tax=_money(receipt.inclusive_tax_cents),
        total=_money(receipt.total_cents),
        payments=[
            ReceiptPaymentPublic(
                tender=payment.tender,
                label=payment.label,
                amount=_money(payment.amount_cents),
                tendered=_money(payment.tendered_cents),
                change=_money(payment.change_cents),
                tip=_money(payment.tip_cents),
                external_reference=payment.external_reference,
                taken_at=payment.taken_at,
            )
            for payment in receipt.payments
        ],
        paid_total=_money(receipt.paid_cents),
        tip_total=_money(receipt.tip_cents),
        change_total=_money(receipt.change_cents),
        balance_due=_money(receipt.balance_due_cents),
    )


async def _receipt(
    session: SnapshotSessionDep, user: CurrentUser, settings: Settings, order_id: int
) -> receipts.Receipt:
    return await receipts.receipt_for_order(
        session,
        actor=user,
        order_id=order_id,
        calendar=BusinessCalendar(settings.restaurant_timezone, settings.business_day_cutoff_hour),
        restaurant_name=settings.restaurant_name,
        currency=settings.currency,
    )


@router.get(
    "/{order_id}/receipt", response_model=ReceiptPublic, summary="A check's receipt (floor staff)"
)
async def get_receipt(
    order_id: int, user: CurrentUser, session: SnapshotSessionDep, settings: SettingsDep
) -> ReceiptPublic:
    return present_receipt(await _receipt(session, user, settings, order_id))


@router.get(
    "/{order_id}/receipt.txt",
    response_class=PlainTextResponse,
    summary="A check's receipt as printer text (floor staff)",
    responses={200: {"content": {"text/plain": {}}}},
)
async def get_receipt_text(
    order_id: int,
    user: CurrentUser,
    session: SnapshotSessionDep,
    settings: SettingsDep,
    width: Annotated[
        int,
        Query(
            ge=receipt_text.MIN_WIDTH,
            le=receipt_text.MAX_WIDTH,
            description="Columns of the printer (48 on 80 mm paper, 32 on 58 mm).",
        ),
    ] = receipt_text.DEFAULT_WIDTH,
) -> PlainTextResponse:
    receipt = await _receipt(session, user, settings, order_id)
    return PlainTextResponse(receipt_text.render_text(receipt, width))
