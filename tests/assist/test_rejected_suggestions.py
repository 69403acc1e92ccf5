"""A suggestion rated unhelpful for a contact is left out of that contact's next refreshes
(issue 19, item 7), and only of that contact's."""
from __future__ import annotations

from dataclasses import dataclass, field

from hotline.assist import service as assist
from hotline.contacts import service as contacts
from hotline.database import session_scope


@dataclass
class Hit:
    kind: str
    id: str
    score: float
    title: str = ""


@dataclass
class Result:
    hits: list = field(default_factory=list)
    confident: bool = True


class FakeKb:
    """Always the same ranking: a1, a2, a3, f1."""

    def search(self, query: str, top: int = 8, spoken: bool = False) -> Result:
        ranking = [Hit("article", "a1", 0.9), Hit("article", "a2", 0.8), Hit("article", "a3", 0.7),
                   Hit("faq", "f1", 0.6)]
        return Result(hits=ranking[:top])


def test_unhelpful_suggestion_is_not_shown_again_for_that_contact(engine, staff_users) -> None:  # noqa: ANN001
    from hotline.auth.service import get_user_by_username

    kb = FakeKb()
    with session_scope(engine) as s:
        lawyer = get_user_by_username(s, "lawyer1")
        one, _ = contacts.start_chat(s)
        two, _ = contacts.start_chat(s)
        one.lawyer_id = two.lawyer_id = lawyer.id
        s.add_all([one, two])
        s.flush()
        first = assist.suggest_for_contact(s, kb, one.id, None, ["公司拖欠工资"], top=3)
        assert [i["id"] for i in first["items"]] == ["a1", "a2", "a3"]
        assist.act_on_suggestion(s, first["items"][0]["suggestion_id"], "rate", user_id=lawyer.id,
                                 rating="unhelpful", reason="不相关")
        again = assist.suggest_for_contact(s, kb, one.id, None, ["公司拖欠工资", "还没签合同"], top=3)
        assert [i["id"] for i in again["items"]] == ["a2", "a3", "f1"]  # a1 left out, still three shown
        assert [i["rank"] for i in again["items"]] == [1, 2, 3]
        other = assist.suggest_for_contact(s, kb, two.id, None, ["公司拖欠工资"], top=3)
        assert [i["id"] for i in other["items"]] == ["a1", "a2", "a3"]  # another contact is not affected
