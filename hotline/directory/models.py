"""Configurable reference data: case categories (with time limits and skills) and offices
(legal-aid centres, mediation committees, 司法所, petitions offices, courts)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Category(SQLModel, table=True):
    __tablename__ = "category"

    code: str = Field(primary_key=True, max_length=40)  # e.g. "labour"
    name: str = Field(max_length=40)  # e.g. "劳动争议"
    time_limit_hours: int = 72  # 限时办结
    # Laws whose articles vote for this category when classifying a contact
    laws: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    mediable: bool = False  # suited to people's mediation
    sort_order: int = 0
    active: bool = True


class OfficeKind:
    legal_aid = "legal_aid"  # 法律援助中心
    mediation = "mediation"  # 人民调解委员会
    justice_bureau = "justice_bureau"  # 司法所
    petitions = "petitions"  # 信访
    court = "court"  # 法院 (litigation route)

    labels = {
        "legal_aid": "法律援助中心",
        "mediation": "人民调解委员会",
        "justice_bureau": "司法所",
        "petitions": "信访部门",
        "court": "人民法院",
    }


class Office(SQLModel, table=True):
    __tablename__ = "office"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=30, index=True)
    # Areas served, most specific first, e.g. ["广东省深圳市宝安区新安街道", "广东省深圳市宝安区"]
    areas: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # Category codes it takes; empty = all
    categories: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    phone: str = Field(default="", max_length=40)
    address: str = Field(default="", max_length=200)
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    active: bool = True
