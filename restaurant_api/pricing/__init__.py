"""Pricing: tax rates, preset discounts, service-charge rules, and the one check computation."""
