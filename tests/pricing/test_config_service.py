"""Pricing configuration through the services: tax rates, presets, service-charge rules.

Every rule of the configuration on both backends: bounds, unique names, permissions,
assignments (item and category), the row cap.
"""

from __future__ import annotations

import pytest

from restaurant_api.errors import (
    AuthenticationFailed,
    Conflict,
    ErrorCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from restaurant_api.pricing import service
from restaurant_api.pricing.models import (
    AdjustmentKind,
    CategoryTaxRate,
    DiscountScope,
    MenuItemTaxRate,
)
from restaurant_api.users.models import Role


@pytest.fixture
async def boss(make_staff):
    return (await make_staff(Role.MANAGER)).user


async def _rate(db, actor, name="Sales tax", rate="8.875", **extra):
    async with db.session() as session:
        view = await service.create_tax_rate(
            session, actor=actor, draft=service.TaxRateDraft(name=name, rate=rate, **extra)
        )
    return view.rate


async def test_create_and_update_a_tax_rate(db, boss):
    rate = await _rate(db, boss, "  Sales tax ", "8.875", dining_options=["takeout", "dine_in"])
    assert (rate.name, rate.name_key, rate.rate_ppm) == ("Sales tax", "sales tax", 88_750)
    # Stored in the enum's order whatever the input's.
    assert rate.dining_options == ["dine_in", "takeout"]
    assert rate.is_active and not rate.inclusive and not rate.is_default
    async with db.session() as session:
        view = await service.update_tax_rate(
            session,
            actor=boss,
            rate_id=rate.id,
            changes=service.TaxRateChanges(
                rate="100", inclusive=True, is_default=True, dining_options=[], is_active=False
            ),
        )
    async with db.session() as session:
        stored = await service.get_tax_rate(session, rate.id)
    assert view.rate.rate_ppm == stored.rate_ppm == 1_000_000
    assert (stored.inclusive, stored.is_default, stored.dining_options, stored.is_active) == (
        True,
        True,
        [],
        False,
    )


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("100.0001", "from 0 to 100"),
        ("-1", "from 0 to 100"),
        ("8.87501", "four decimals"),
        ("1e999999999", "from 0 to 100"),
        ("eight", "not a percentage"),
    ],
)
async def test_tax_rate_bounds(db, boss, rate, message):
    with pytest.raises(InvalidInput, match=message) as raised:
        await _rate(db, boss, rate=rate)
    assert raised.value.path == ("rate",)
    # 0 and 100 are both allowed (inclusive bounds); 0.0001 is the finest step.
    assert (await _rate(db, boss, "Zero", "0")).rate_ppm == 0
    assert (await _rate(db, boss, "All", "100")).rate_ppm == 1_000_000
    assert (await _rate(db, boss, "Tiny", "0.0001")).rate_ppm == 1


async def test_tax_rate_names_are_unique_regardless_of_case(db, boss):
    await _rate(db, boss, "Sales tax")
    with pytest.raises(Conflict) as raised:
        await _rate(db, boss, "SALES TAX ")
    assert raised.value.code is ErrorCode.DUPLICATE
    other = await _rate(db, boss, "City tax")
    with pytest.raises(Conflict):
        async with db.session() as session:
            await service.update_tax_rate(
                session,
                actor=boss,
                rate_id=other.id,
                changes=service.TaxRateChanges(name="sales TAX"),
            )
    # Renaming to its own name in another case is fine.
    async with db.session() as session:
        view = await service.update_tax_rate(
            session, actor=boss, rate_id=other.id, changes=service.TaxRateChanges(name="CITY TAX")
        )
    assert view.rate.name == "CITY TAX"


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "must not be empty"), ("x" * 61, "longer than 60")]
)
async def test_names_are_bounded(db, boss, name, message):
    with pytest.raises(InvalidInput, match=message):
        await _rate(db, boss, name)
    with pytest.raises(InvalidInput, match=message):
        async with db.session() as session:
            await service.create_discount_preset(
                session,
                actor=boss,
                draft=service.DiscountPresetDraft(name, "percent", "check", rate="10"),
            )


async def test_dining_options_are_known_and_listed_once(db, boss):
    with pytest.raises(InvalidInput, match="not a dining option") as raised:
        await _rate(db, boss, dining_options=["dine_in", "drive_through"])
    assert raised.value.path == ("dining_options", 1)
    with pytest.raises(InvalidInput, match="listed twice") as raised:
        await _rate(db, boss, dining_options=["takeout", "takeout"])
    assert raised.value.path == ("dining_options", 1)


@pytest.mark.parametrize("role", [Role.SERVER, Role.KITCHEN])
async def test_only_managers_edit_but_all_staff_read(db, boss, make_staff, role):
    staff = (await make_staff(role)).user
    rate = await _rate(db, boss)
    edits = [
        lambda s: service.create_tax_rate(
            s, actor=staff, draft=service.TaxRateDraft(name="X", rate="1")
        ),
        lambda s: service.update_tax_rate(
            s, actor=staff, rate_id=rate.id, changes=service.TaxRateChanges(is_active=False)
        ),
        lambda s: service.set_category_tax_rates(
            s, actor=staff, category="Drinks", tax_rate_ids=[rate.id]
        ),
        lambda s: service.create_discount_preset(
            s, actor=staff, draft=service.DiscountPresetDraft("D", "percent", "check", rate="5")
        ),
        lambda s: service.create_service_charge_rule(
            s, actor=staff, draft=service.ServiceChargeRuleDraft("G", "percent", rate="18")
        ),
    ]
    for edit in edits:
        with pytest.raises(PermissionDenied):
            async with db.session() as session:
                await edit(session)
    async with db.session() as session:
        rates = await service.list_tax_rates(session, actor=staff)
        presets = await service.list_discount_presets(session, actor=staff)
        rules = await service.list_service_charge_rules(session, actor=staff)
    assert [view.rate.name for view in rates] == ["Sales tax"]
    assert (presets, rules) == ([], [])
    with pytest.raises(AuthenticationFailed):
        async with db.session() as session:
            await service.list_tax_rates(session, actor=None)


async def test_admins_edit_too(db, make_staff):
    admin = (await make_staff(Role.ADMIN)).user
    assert (await _rate(db, admin, "Admin tax", "5")).rate_ppm == 50_000


async def test_assign_rates_to_a_menu_item(db, boss, add_menu_item):
    burger = await add_menu_item("Burger", "12.00", "Mains")
    sales = await _rate(db, boss, "Sales tax", "8.875")
    city = await _rate(db, boss, "City tax", "0.5")
    async with db.session() as session:
        views = await service.set_menu_item_tax_rates(
            session, actor=boss, menu_item_id=burger.id, tax_rate_ids=[sales.id, city.id]
        )
    assert [view.rate.name for view in views] == ["Sales tax", "City tax"]
    assert all(view.menu_item_ids == (burger.id,) for view in views)
    # The whole list is replaced: now only the city tax.
    async with db.session() as session:
        await service.set_menu_item_tax_rates(
            session, actor=boss, menu_item_id=burger.id, tax_rate_ids=[city.id]
        )
    async with db.session() as session:
        listed = {v.rate.name: v for v in await service.list_tax_rates(session, actor=boss)}
    assert listed["City tax"].menu_item_ids == (burger.id,)
    assert listed["Sales tax"].menu_item_ids == ()
    # Empty: the item has no rates of its own any more.
    async with db.session() as session:
        assert (
            await service.set_menu_item_tax_rates(
                session, actor=boss, menu_item_id=burger.id, tax_rate_ids=[]
            )
            == []
        )
    async with db.session() as session:
        links = (await session.exec(MenuItemTaxRate.__table__.select())).all()  # type: ignore[attr-defined]
    assert links == []


async def test_assignments_refuse_unknown_retired_and_repeated_rates(db, boss, add_menu_item):
    burger = await add_menu_item("Burger", "12.00")
    sales = await _rate(db, boss, "Sales tax")
    old = await _rate(db, boss, "Old tax")
    async with db.session() as session:
        await service.update_tax_rate(
            session, actor=boss, rate_id=old.id, changes=service.TaxRateChanges(is_active=False)
        )
    cases = [
        ([sales.id, 999_999], "not found", 1),
        ([old.id], "retired", 0),
        ([sales.id, sales.id], "listed twice", 1),
    ]
    for ids, message, index in cases:
        with pytest.raises(InvalidInput, match=message) as raised:
            async with db.session() as session:
                await service.set_menu_item_tax_rates(
                    session, actor=boss, menu_item_id=burger.id, tax_rate_ids=ids
                )
        assert raised.value.path == ("tax_rate_ids", index)
    with pytest.raises(InvalidInput, match="At most 10"):
        async with db.session() as session:
            await service.set_category_tax_rates(
                session, actor=boss, category="Mains", tax_rate_ids=[sales.id] * 11
            )
    with pytest.raises(NotFound):
        async with db.session() as session:
            await service.set_menu_item_tax_rates(
                session, actor=boss, menu_item_id=burger.id + 1000, tax_rate_ids=[sales.id]
            )


async def test_category_assignments_match_regardless_of_case(db, boss):
    alcohol = await _rate(db, boss, "Alcohol", "10")
    sales = await _rate(db, boss, "Sales tax")
    async with db.session() as session:
        stored, views = await service.set_category_tax_rates(
            session, actor=boss, category=" Drinks ", tax_rate_ids=[alcohol.id, sales.id]
        )
    assert stored == "Drinks"
    assert [view.categories for view in views] == [("Drinks",), ("Drinks",)]
    # Another spelling replaces the list of the same category.
    async with db.session() as session:
        await service.set_category_tax_rates(
            session, actor=boss, category="DRINKS", tax_rate_ids=[alcohol.id]
        )
    async with db.session() as session:
        links = (await session.exec(CategoryTaxRate.__table__.select())).all()  # type: ignore[attr-defined]
        views_by_id = await service.tax_rate_views_by_id(session, [alcohol.id, sales.id])
    assert [(link.category, link.tax_rate_id) for link in links] == [("DRINKS", alcohol.id)]
    assert views_by_id[alcohol.id].categories == ("DRINKS",)
    assert views_by_id[sales.id].categories == ()
    with pytest.raises(InvalidInput, match="must not be empty"):
        async with db.session() as session:
            await service.set_category_tax_rates(session, actor=boss, category=" ", tax_rate_ids=[])


async def _preset(db, actor, name="Happy hour", kind="percent", scope="check", **terms):
    async with db.session() as session:
        return await service.create_discount_preset(
            session, actor=actor, draft=service.DiscountPresetDraft(name, kind, scope, **terms)
        )


async def test_discount_presets(db, boss):
    happy = await _preset(db, boss, rate="10", requires_approval=False)
    assert (happy.kind, happy.rate_ppm, happy.amount_cents, happy.scope) == (
        AdjustmentKind.PERCENT,
        100_000,
        0,
        DiscountScope.CHECK,
    )
    comp = await _preset(
        db, boss, "Manager comp", "amount", "line", amount="5.50", requires_approval=True
    )
    assert (comp.kind, comp.rate_ppm, comp.amount_cents, comp.requires_approval) == (
        "amount",
        0,
        550,
        True,
    )
    # Switching the kind needs the new kind's value, and clears the old one.
    async with db.session() as session:
        changed = await service.update_discount_preset(
            session,
            actor=boss,
            preset_id=happy.id,
            changes=service.DiscountPresetChanges(kind="amount", amount="3", scope="line"),
        )
    assert (changed.kind, changed.rate_ppm, changed.amount_cents, changed.scope) == (
        "amount",
        0,
        300,
        "line",
    )
    # A new amount alone keeps the kind.
    async with db.session() as session:
        changed = await service.update_discount_preset(
            session,
            actor=boss,
            preset_id=happy.id,
            changes=service.DiscountPresetChanges(amount="4.25", is_active=False),
        )
    assert (changed.amount_cents, changed.is_active) == (425, False)
    async with db.session() as session:
        active = await service.list_discount_presets(session, actor=boss, active=True)
        everything = await service.list_discount_presets(session, actor=boss)
        loaded = await service.load_discount_preset(session, happy.id)
    assert [p.name for p in active] == ["Manager comp"]
    assert [p.name for p in everything] == ["Happy hour", "Manager comp"]
    assert loaded.amount_cents == 425
    with pytest.raises(NotFound):
        async with db.session() as session:
            await service.load_discount_preset(session, 987_654)


@pytest.mark.parametrize(
    ("kind", "terms", "field", "message"),
    [
        ("percent", {}, "rate", "needs a rate"),
        ("percent", {"rate": "0"}, "rate", "more than 0"),
        ("percent", {"rate": "100.5"}, "rate", "from 0 to 100"),
        ("percent", {"rate": "10", "amount": "1"}, "amount", "not an amount"),
        ("amount", {}, "amount", "needs an amount"),
        ("amount", {"amount": "0"}, "amount", "more than 0"),
        ("amount", {"amount": "1.999"}, "amount", "two decimals"),
        ("amount", {"amount": "-1"}, "amount", "negative"),
        ("amount", {"amount": "1", "rate": "5"}, "rate", "not a rate"),
        ("gift", {"rate": "5"}, "kind", "percent or amount"),
    ],
)
async def test_discount_and_charge_terms(db, boss, kind, terms, field, message):
    with pytest.raises(InvalidInput, match=message) as raised:
        await _preset(db, boss, kind=kind, **terms)
    assert raised.value.path == (field,)
    with pytest.raises(InvalidInput, match=message) as raised:
        async with db.session() as session:
            await service.create_service_charge_rule(
                session, actor=boss, draft=service.ServiceChargeRuleDraft("Fee", kind, **terms)
            )
    assert raised.value.path == (field,)


async def test_changing_the_kind_needs_the_new_value(db, boss):
    preset = await _preset(db, boss, rate="10")
    with pytest.raises(InvalidInput, match="needs an amount"):
        async with db.session() as session:
            await service.update_discount_preset(
                session,
                actor=boss,
                preset_id=preset.id,
                changes=service.DiscountPresetChanges(kind="amount"),
            )
    with pytest.raises(InvalidInput, match="scope must be line or check"):
        await _preset(db, boss, "Other", scope="table", rate="5")
    with pytest.raises(Conflict):
        await _preset(db, boss, "HAPPY HOUR", rate="5")


async def _rule(db, actor, name="Gratuity", kind="percent", **extra):
    async with db.session() as session:
        return await service.create_service_charge_rule(
            session, actor=actor, draft=service.ServiceChargeRuleDraft(name, kind, **extra)
        )


async def test_service_charge_rules(db, boss):
    gratuity = await _rule(db, boss, rate="18", auto_min_guests=6, taxable=True)
    assert (gratuity.rate_ppm, gratuity.auto_min_guests, gratuity.taxable) == (180_000, 6, True)
    fee = await _rule(
        db, boss, "Delivery fee", "amount", amount="3.50", dining_options=["delivery"]
    )
    assert (fee.amount_cents, fee.auto_min_guests, fee.dining_options) == (350, None, ["delivery"])
    for guests in (0, 501):
        with pytest.raises(InvalidInput, match="between 1 and 500") as raised:
            await _rule(db, boss, f"Bad {guests}", rate="5", auto_min_guests=guests)
        assert raised.value.path == ("auto_min_guests",)
    # Left out, auto_min_guests stays; None clears it (the rule is then added by hand only).
    async with db.session() as session:
        kept = await service.update_service_charge_rule(
            session,
            actor=boss,
            rule_id=gratuity.id,
            changes=service.ServiceChargeRuleChanges(rate="20"),
        )
    assert (kept.rate_ppm, kept.auto_min_guests) == (200_000, 6)
    async with db.session() as session:
        cleared = await service.update_service_charge_rule(
            session,
            actor=boss,
            rule_id=gratuity.id,
            changes=service.ServiceChargeRuleChanges(auto_min_guests=None, taxable=False),
        )
    assert (cleared.auto_min_guests, cleared.taxable) == (None, False)
    async with db.session() as session:
        names = [r.name for r in await service.list_service_charge_rules(session, actor=boss)]
        by_id = await service.service_charge_rules_by_id(session, [fee.id, 0, -1])
    assert names == ["Delivery fee", "Gratuity"]
    assert list(by_id) == [fee.id]
    with pytest.raises(NotFound):
        async with db.session() as session:
            await service.load_service_charge_rule(session, fee.id + 100)


async def test_automatic_rules_due_at_the_threshold(db, boss):
    await _rule(db, boss, "Gratuity", rate="18", auto_min_guests=6)
    await _rule(db, boss, "Big party", rate="2", auto_min_guests=10, dining_options=["dine_in"])
    await _rule(db, boss, "By hand", "amount", amount="1")
    retired = await _rule(db, boss, "Retired", rate="1", auto_min_guests=1)
    async with db.session() as session:
        await service.update_service_charge_rule(
            session,
            actor=boss,
            rule_id=retired.id,
            changes=service.ServiceChargeRuleChanges(is_active=False),
        )

    async def due(guests: int, dining: str = "dine_in") -> list[str]:
        async with db.session() as session:
            rules = await service.automatic_charge_rules(
                session, guests=guests, dining_option=dining
            )
        return [rule.name for rule in rules]

    assert await due(5) == []
    assert await due(6) == ["Gratuity"]
    # By id (creation): the order placing adds them in, and a quote shows them in.
    assert await due(10) == ["Gratuity", "Big party"]
    assert await due(10, "takeout") == ["Gratuity"]


async def test_each_kind_is_capped(db, boss, monkeypatch):
    monkeypatch.setattr("restaurant_api.pricing.rules.MAX_PRICING_ROWS", 2)
    await _rate(db, boss, "One", "1")
    await _rate(db, boss, "Two", "2")
    with pytest.raises(InvalidInput, match="At most 2 tax rates"):
        await _rate(db, boss, "Three", "3")
    # Other kinds count their own rows.
    await _preset(db, boss, "P1", rate="1")
    await _preset(db, boss, "P2", rate="1")
    with pytest.raises(InvalidInput, match="At most 2 discount presets"):
        await _preset(db, boss, "P3", rate="1")
