"""Payments: the ledger of what was paid on each check, tips, refunds, business days."""
