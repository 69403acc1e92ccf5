"""CSV exports for managers. Personal data never leaves in them: no citizen names, phones, ID
numbers or addresses, and free text (rating comments, dispositions) goes through `redact`. Text
cells that a spreadsheet would run as a formula are neutralised with a leading single quote."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from admin import analytics
from admin.volumes import CHANNEL_LABELS
from hotline.auth.models import StaffUser
from hotline.cases.models import Case
from hotline.contacts.models import Contact, SatisfactionRating
from hotline.directory.service import list_categories
from hotline.privacy import redact

CONTACT_COLUMNS = ["联系编号", "案件编号", "渠道", "类别", "进入队列时间", "接通时间", "排队等待(秒)", "结果",
                   "接待律师", "通话/会话时长(秒)", "话后整理(秒)", "处理结果", "转接次数", "评分", "评价内容"]

RESULT_LABELS = {"answered": "接通", "abandoned": "放弃", "short_abandoned": "短时放弃", "waiting": "排队中"}


# A text cell starting with one of these is read as a formula by spreadsheet programs (CSV/formula
# injection: "=HYPERLINK(...)" typed by a citizen into a rating comment); prefixing a single quote
# makes it plain text. Numbers are written as numbers, so a negative figure stays a number.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(rows: Iterable[list[Any]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so spreadsheet programs read the Chinese headers as UTF-8
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _seconds(value: float | None) -> int | None:
    """Durations in whole seconds (the figures are measured to the microsecond)."""
    return None if value is None else int(round(value))


def _figure(key: str, value: Any) -> Any:
    """A report figure for the sheet: durations (`*_s`) in whole seconds, rates to 4 places."""
    if isinstance(value, float):
        return _seconds(value) if key.endswith("_s") else round(value, 4)
    return value


def _result(f: analytics.ContactFacts, th: analytics.Thresholds) -> str:
    if f.answered:
        return "answered"
    if f.short_abandon(th):
        return "short_abandoned"
    return "abandoned" if f.abandoned else "waiting"


def contacts_csv(session: Session, start: datetime, end: datetime, tz: ZoneInfo,
                 th: analytics.Thresholds | None = None) -> str:
    """One row per contact that entered the queue in [start, end)."""
    th = th or analytics.Thresholds()
    facts = sorted(analytics.load_facts(session, start, end).values(), key=lambda f: f.enqueued_at)
    ids = [f.contact_id for f in facts]
    names = {u.id: u.display_name for u in session.execute(select(StaffUser)).scalars()}
    categories = {c.code: c.name for c in list_categories(session, active_only=False)}
    refs = dict(session.execute(select(Contact.id, Case.reference).join(Case, Case.id == Contact.case_id)
                                .where(Contact.id.in_(ids))).all()) if ids else {}
    comments = dict(session.execute(select(SatisfactionRating.contact_id, SatisfactionRating.comment)
                                    .where(SatisfactionRating.contact_id.in_(ids))).all()) if ids else {}
    rows: list[list[Any]] = [CONTACT_COLUMNS]
    for f in facts:
        rows.append([f.contact_id, refs.get(f.contact_id, ""), CHANNEL_LABELS.get(f.channel, f.channel),
                     categories.get(f.skill, f.skill), _local(f.enqueued_at, tz), _local(f.answered_at, tz),
                     _seconds(f.queue_wait_s if f.answered else f.abandon_wait_s), RESULT_LABELS[_result(f, th)],
                     names.get(f.handler, "") if f.handler else "", _seconds(f.talk_s), _seconds(f.wrapup_s), redact(f.disposition),
                     len(f.transfers), f.score, redact(comments.get(f.contact_id, "") or "")])
    return _csv(rows)


# Labels with {sl}/{short}: the thresholds the report was computed with (the `sl`/`short` query
# parameters), not the defaults.
SL_ROWS = [("offered", "进入队列(呼入量)"), ("answered", "接通量"), ("answer_rate", "接通率"),
           ("asa_s", "平均应答速度(秒)"), ("abandoned", "放弃量"), ("abandon_rate", "放弃率"),
           ("short_abandoned", "短时放弃({short}秒内，不计入)"), ("answered_within", "{sl}秒内接通量"),
           ("service_level", "服务水平({sl}秒接通率)"), ("avg_talk_s", "平均通话/会话时长(秒)"),
           ("avg_wrapup_s", "平均话后整理(秒)"), ("aht_s", "平均处理时长(秒)"), ("rated", "评价量"),
           ("rated_share", "测评率"), ("satisfaction", "满意度"), ("mean_score", "平均评分")]

LAWYER_COLUMNS = [("name", "律师"), ("offers", "分配"), ("accepted", "接听"), ("rejected", "拒接"),
                  ("timeouts", "超时未接"), ("avg_accept_s", "平均接听用时(秒)"), ("handled", "接待量"),
                  ("avg_talk_s", "平均通话/会话(秒)"), ("avg_wrapup_s", "平均话后整理(秒)"), ("aht_s", "平均处理时长(秒)"),
                  ("rated", "评价量"), ("rated_share", "测评率"), ("satisfaction", "满意度"),
                  ("mean_score", "平均评分"), ("transfers_out", "转出")]


def service_levels_csv(report: dict[str, Any]) -> str:
    sl = report["service_levels"]
    rng = report["range"]  # the local calendar days asked for (inclusive), in the hotline's zone
    rows: list[list[Any]] = [["统计区间", rng.get("start_day", rng["start"]), rng.get("end_day", rng["end"]), rng["timezone"]],
                             [], ["指标", "数值"]]
    default = analytics.Thresholds()
    seconds = {"sl": f"{float(sl.get('service_level_s', default.service_level_s)):g}",
               "short": f"{float(sl.get('short_abandon_s', default.short_abandon_s)):g}"}
    rows += [[label.format(**seconds), _figure(key, sl.get(key))] for key, label in SL_ROWS]
    rows += [[], [label for _, label in LAWYER_COLUMNS]]
    rows += [[_figure(key, r.get(key)) for key, _ in LAWYER_COLUMNS] for r in report["per_lawyer"]]
    return _csv(rows)
