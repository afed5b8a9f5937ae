"""GraphQL mutations of an order's adjustments: discounts and comps (request, apply,
approve, deny, remove) and service charges (add, remove)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info

from restaurant_api.api.graphql import Context, result_union
from restaurant_api.api.mutations import domain_mutation
from restaurant_api.api.node import decode_id, decode_optional_id
from restaurant_api.orders import service
from restaurant_api.orders.adjustments_graphql import (
    AdjustmentKindType,
    OrderDiscountType,
    OrderServiceChargeType,
)
from restaurant_api.orders.graphql import OrderType, order_id_of
from restaurant_api.orders.models import Order, OrderDiscount, OrderLine, OrderServiceCharge
from restaurant_api.orders.mutations import VersionArgument


@strawberry.input(
    description="A discount on one line (`lineId`) or the whole check: a preset (`presetId`), "
    "a comp (`comp`, on a line), or open terms (`rate` or `amount`)."
)
class DiscountInput:
    order_id: strawberry.ID = strawberry.field(description="Global id of the order.")
    reason: str = strawberry.field(description="Why (required, at most 500 characters).")
    line_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of the line; omit for the whole check."
    )
    preset_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of a DiscountPreset: its terms are copied."
    )
    comp: bool = strawberry.field(
        default=False, description="A comp: 100% of the line (managers apply, servers request)."
    )
    name: str | None = strawberry.field(
        default=None, description='Open discount: its name (default "Discount").'
    )
    kind: AdjustmentKindType | None = strawberry.field(
        default=None, description="Open discount: percent or amount (implied by rate/amount)."
    )
    rate: Decimal | None = strawberry.field(
        default=None, description='Open percent discount: exact percentage, e.g. "12.5".'
    )
    amount: Decimal | None = strawberry.field(
        default=None,
        description='Open amount discount, e.g. "5.00"; more than what is left of the line '
        "or check is a VALIDATION_ERROR.",
    )
    version: int | None = strawberry.field(
        default=None, description="The order version you read: a stale one is VERSION_CONFLICT."
    )

    def draft(self) -> service.DiscountDraft:
        return service.DiscountDraft(
            order_id=order_id_of(self.order_id),
            reason=self.reason,
            line_id=decode_optional_id(self.line_id, "OrderLine", field="lineId"),
            preset_id=decode_optional_id(self.preset_id, "DiscountPreset", field="presetId"),
            comp=self.comp,
            name=self.name,
            kind=None if self.kind is None else str(self.kind),
            rate=self.rate,
            amount=self.amount,
            version=self.version,
        )


@strawberry.input(
    description="A service charge added by hand: a rule (`ruleId`) or open terms "
    "(`rate` or `amount`)."
)
class ServiceChargeInput:
    order_id: strawberry.ID = strawberry.field(description="Global id of the order.")
    rule_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global id of a ServiceChargeRule: its terms are copied."
    )
    name: str | None = strawberry.field(
        default=None, description='Open charge: its name (default "Service charge").'
    )
    kind: AdjustmentKindType | None = strawberry.field(
        default=None, description="Open charge: percent or amount (implied by rate/amount)."
    )
    rate: Decimal | None = strawberry.field(
        default=None, description='Open charge: percentage of the discounted subtotal, e.g. "18".'
    )
    amount: Decimal | None = strawberry.field(
        default=None, description='Open charge: an amount, e.g. "5.00".'
    )
    taxable: bool = strawberry.field(
        default=False, description="Open charge: taxed at the default tax rates."
    )
    reason: str | None = strawberry.field(default=None, description="Why (optional).")
    version: int | None = strawberry.field(
        default=None, description="The order version you read: a stale one is VERSION_CONFLICT."
    )

    def draft(self) -> service.ServiceChargeDraft:
        return service.ServiceChargeDraft(
            order_id=order_id_of(self.order_id),
            rule_id=decode_optional_id(self.rule_id, "ServiceChargeRule", field="ruleId"),
            name=self.name,
            kind=None if self.kind is None else str(self.kind),
            rate=self.rate,
            amount=self.amount,
            taxable=self.taxable,
            reason=self.reason,
            version=self.version,
        )


@strawberry.type(description="A discount after a change, and its order.")
class DiscountPayload:
    discount: OrderDiscountType = strawberry.field(description="The discount as it is now.")
    order: OrderType = strawberry.field(description="The order as it is now.")


@strawberry.type(description="A service charge after a change, and its order.")
class ServiceChargePayload:
    service_charge: OrderServiceChargeType = strawberry.field(
        description="The service charge as it is now."
    )
    order: OrderType = strawberry.field(description="The order as it is now.")


DiscountResult = result_union("DiscountResult", DiscountPayload, "The discount, or why not.")
ServiceChargeResult = result_union(
    "ServiceChargeResult", ServiceChargePayload, "The service charge, or why not."
)

DiscountIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="The discount's global id.")
]
ReasonArgument = Annotated[str, strawberry.argument(description="Why (at most 500 characters).")]


async def _discount_payload(
    info: Info[Context, None], session: AsyncSession, discount: OrderDiscount
) -> DiscountPayload:
    order = await session.get(Order, discount.order_id)
    assert order is not None  # locked by the change
    return DiscountPayload(
        discount=OrderDiscountType.from_model(discount, info.context.settings.currency),
        order=OrderType.from_model(order),
    )


async def _charge_payload(
    info: Info[Context, None], session: AsyncSession, charge: OrderServiceCharge
) -> ServiceChargePayload:
    order = await session.get(Order, charge.order_id)
    assert order is not None  # locked by the change
    return ServiceChargePayload(
        service_charge=OrderServiceChargeType.from_model(charge, info.context.settings.currency),
        order=OrderType.from_model(order),
    )


def _discount_id(value: strawberry.ID) -> int:
    return decode_id(value, "OrderDiscount", field="discountId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Ask for a discount or comp (any floor staff): pending until a manager "
        "approves or denies it."
    )
    @domain_mutation
    async def request_discount(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[DiscountInput, strawberry.argument(description="The discount.")],
    ) -> DiscountResult:
        discount = await service.request_discount(
            session, actor=info.context.user, draft=input.draft()
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(
        description="Apply a discount now. Servers apply presets that need no approval; "
        "comps, open discounts and presets that need approval are for managers "
        "(PERMISSION_DENIED otherwise: request them instead)."
    )
    @domain_mutation
    async def apply_discount(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[DiscountInput, strawberry.argument(description="The discount.")],
    ) -> DiscountResult:
        discount = await service.apply_discount(
            session, actor=info.context.user, draft=input.draft()
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(description="Comp a line: 100% off it, with a reason (managers).")
    @domain_mutation
    async def comp_line(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        line_id: Annotated[strawberry.ID, strawberry.argument(description="The line's global id.")],
        reason: ReasonArgument,
        version: VersionArgument = None,
    ) -> DiscountResult:
        line = decode_id(line_id, "OrderLine", field="lineId")
        order_line = await session.get(OrderLine, line)
        if order_line is None:
            raise service.OrderLineNotFound(line)
        discount = await service.comp_line(
            session,
            actor=info.context.user,
            order_id=order_line.order_id,
            line_id=line,
            reason=reason,
            version=version,
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(
        description="Apply a pending discount, recording you as the approver (managers)."
    )
    @domain_mutation
    async def approve_discount(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        discount_id: DiscountIdArgument,
        version: VersionArgument = None,
    ) -> DiscountResult:
        discount = await service.approve_discount(
            session, actor=info.context.user, discount_id=_discount_id(discount_id), version=version
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(description="Refuse a pending discount, with a reason (managers).")
    @domain_mutation
    async def deny_discount(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        discount_id: DiscountIdArgument,
        reason: ReasonArgument,
        version: VersionArgument = None,
    ) -> DiscountResult:
        discount = await service.deny_discount(
            session,
            actor=info.context.user,
            discount_id=_discount_id(discount_id),
            reason=reason,
            version=version,
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(
        description="Take a discount off an open check, with a reason (recorded). One a "
        "manager applied or approved needs a manager."
    )
    @domain_mutation
    async def remove_discount(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        discount_id: DiscountIdArgument,
        reason: ReasonArgument,
        version: VersionArgument = None,
    ) -> DiscountResult:
        discount = await service.remove_discount(
            session,
            actor=info.context.user,
            discount_id=_discount_id(discount_id),
            reason=reason,
            version=version,
        )
        return await _discount_payload(info, session, discount)

    @strawberry.mutation(description="Add a service charge by hand (managers).")
    @domain_mutation
    async def add_service_charge(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        input: Annotated[ServiceChargeInput, strawberry.argument(description="The charge.")],
    ) -> ServiceChargeResult:
        charge = await service.add_service_charge(
            session, actor=info.context.user, draft=input.draft()
        )
        return await _charge_payload(info, session, charge)

    @strawberry.mutation(
        description="Remove a service charge from an open check (managers); an automatic "
        "one stays off even if the party still qualifies."
    )
    @domain_mutation
    async def remove_service_charge(
        self,
        info: Info[Context, None],
        session: AsyncSession,
        service_charge_id: Annotated[
            strawberry.ID, strawberry.argument(description="The service charge's global id.")
        ],
        reason: ReasonArgument,
        version: VersionArgument = None,
    ) -> ServiceChargeResult:
        charge = await service.remove_service_charge(
            session,
            actor=info.context.user,
            service_charge_id=decode_id(
                service_charge_id, "OrderServiceCharge", field="serviceChargeId"
            ),
            reason=reason,
            version=version,
        )
        return await _charge_payload(info, session, charge)
