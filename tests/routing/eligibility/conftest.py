"""Hardship rows for the pure legal-aid rules."""
from __future__ import annotations

from datetime import date

from routing.eligibility.application import HardshipRow

# Sample provincial standards for the pure rules: two versions for 广东省 and a correction.
STANDARDS = [
    HardshipRow(1, "广东省", date(2021, 12, 1), 1, 2300.0, "参照最低工资标准", True),
    HardshipRow(2, "广东省", date(2025, 3, 1), 1, 2500.0, "参照最低工资标准", True),
    HardshipRow(3, "北京市", date(2023, 9, 1), 1, 2420.0, "参照最低工资标准", True),
    HardshipRow(4, "北京市", date(2023, 9, 1), 2, 2450.0, "更正", False),
]
TODAY = date(2026, 6, 1)
