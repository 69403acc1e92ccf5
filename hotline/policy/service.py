"""Reading and changing the supervision policy; each key has a default, a type and a range, and a
change is audited. Also the audit-log sweep helper shared by follow-up and quality sampling."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hotline.audit import service as audit
from hotline.audit.models import AuditEntry
from hotline.policy.models import PolicySetting, SweepCursor
from hotline.timeutil import utcnow


@dataclass(frozen=True)
class Key:
    default: Any
    kind: type
    low: float | None = None
    high: float | None = None
    label: str = ""


KEYS: dict[str, Key] = {
    "followup.due_days": Key(3, int, 1, 30, "回访期限（工作日）"),
    "followup.sample_percent": Key(0.0, float, 0, 100, "办结案件抽样回访比例 %"),
    "followup.dissatisfied_max_score": Key(2, int, 1, 4, "不满意评分上限（含）"),
    "quality.sample_percent": Key(5.0, float, 0, 100, "每位律师每周随机质检比例 %"),
    "quality.pass_score": Key(80.0, float, 0, 100, "质检合格分"),
    "supervision.lawyer_sees_monitoring": Key(True, bool, label="律师可见正在被监听"),
}


class PolicyError(ValueError):
    pass


def validate(key: str, value: Any) -> Any:
    spec = KEYS.get(key)
    if spec is None:
        raise PolicyError(f"未知设置项 (unknown setting {key!r})")
    if spec.kind is bool:
        if not isinstance(value, bool):
            raise PolicyError(f"{key} 须为 true/false (must be a boolean)")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (spec.kind is int and not isinstance(value, int)):
        raise PolicyError(f"{key} 须为{'整数' if spec.kind is int else '数字'} (must be a number)")
    if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
        raise PolicyError(f"{key} 须在 {spec.low} 到 {spec.high} 之间 (out of range)")
    return spec.kind(value)


def get(session: Session, key: str) -> Any:
    row = session.get(PolicySetting, key)
    return KEYS[key].default if row is None else row.value


def all_settings(session: Session) -> dict[str, Any]:
    return {key: {"value": get(session, key), "label": spec.label, "default": spec.default}
            for key, spec in KEYS.items()}


def set_value(session: Session, key: str, value: Any, *, actor: str) -> Any:
    value = validate(key, value)
    row = session.get(PolicySetting, key)
    before = None if row is None else row.value
    row = row or PolicySetting(key=key)
    row.value, row.updated_at = value, utcnow()
    session.add(row)
    audit.record(session, action="policy.set", actor=actor, entity="policy", entity_id=key,
                 before={"value": before}, after={"value": value})
    return value


def sweep_entries(session: Session, name: str, actions: tuple[str, ...], batch: int = 500) -> Iterator[AuditEntry]:
    """The audit entries of `actions` after the sweep's cursor (oldest first); the cursor moves
    to the last one read, in the caller's transaction, so an entry is acted on exactly once."""
    cursor = session.get(SweepCursor, name)
    if cursor is None:
        cursor = SweepCursor(name=name, seq=0)
        session.add(cursor)
    rows = list(session.execute(select(AuditEntry).where(AuditEntry.seq > cursor.seq,
                                                         AuditEntry.action.in_(actions))
                                .order_by(AuditEntry.seq).limit(batch)).scalars())
    if rows:
        cursor.seq = rows[-1].seq
        session.add(cursor)
    yield from rows
