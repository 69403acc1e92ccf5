"""Recognised speech is stored twice over: the corrected text the lawyer sees and the recogniser's
own text beside it (utterance.raw_text), which the audit log keeps too."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.contacts import service as contacts
from hotline.contacts.models import Utterance
from hotline.database import session_scope
from hotline.timeutil import utcnow
from hotline.voice import service as voice


def test_a_final_keeps_the_raw_recogniser_text_beside_the_corrected_one(engine) -> None:  # noqa: ANN001
    now = utcnow()
    with session_scope(engine) as s:
        contact = contacts.start_call(s, phone="+8613812345678", call_sid="CA" + "1" * 32)
        utt, created = voice.store_final(s, contact.id, speaker="citizen", text="老板没给我交工伤保险。",
                                         raw_text="老板没给我交工商保险。", client_id="MZ1:inbound:1",
                                         started_at=now, ended_at=now + timedelta(seconds=3), confidence=0.8)
        assert created
        utt_id = utt.id
        chat, _ = contacts.start_chat(s)
        typed, _ = contacts.add_utterance(s, chat, speaker="citizen", text="公司拖欠工资")
        typed_id = typed.id
    with session_scope(engine) as s:
        stored = s.get(Utterance, utt_id)
        assert (stored.text, stored.raw_text, stored.source) == ("老板没给我交工伤保险。", "老板没给我交工商保险。", "asr")
        assert s.get(Utterance, typed_id).raw_text is None  # typed words have no recogniser text
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "utterance.stored",
                                                   AuditEntry.entity_id == str(utt_id))).scalar_one()
        assert entry.data["raw_text"] == "老板没给我交工商保险。" and entry.data["text"] == "老板没给我交工伤保险。"
