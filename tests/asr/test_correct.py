"""The domain correction stage (asr/correct.py): sound-alike legal terms put back when the domain
language model asks for them, correct words left alone, and real speech through the real
recogniser (the worker pool, as calls are heard) coming out right with the raw text kept."""
from __future__ import annotations

import threading

import pytest

from asr.correct import load_corrector
from asr.lexicon import fold, folded
from tests.asr.conftest import AUDIO, WHISPER_MODEL
from tests.conftest import SHARED


@pytest.fixture(scope="module")
def corrector():  # noqa: ANN201
    return load_corrector(SHARED)


def test_the_confusions_of_mandarin_and_phone_audio_fold_together() -> None:
    assert folded("工伤") == folded("工商")  # gong shang
    assert folded("抚养费") == folded("福养费")  # fu yang fei
    assert [fold(s) for s in ("zhi", "chang", "shen", "nan", "hu", "ying")] == ["zi", "can", "sen", "lan", "fu", "yin"]


@pytest.mark.parametrize(("heard", "meant"), [
    ("我在工地上受了伤，想申请工商认定。", "我在工地上受了伤，想申请工伤认定。"),
    ("他不给孩子福养费", "他不给孩子抚养费"),
    ("我想申请法律人住", "我想申请法律援助"),  # one syllable off
    ("老板拖欠公资三个月了", "老板拖欠工资三个月了"),
])
def test_sound_alike_legal_terms_are_put_back(corrector, heard: str, meant: str) -> None:  # noqa: ANN001
    assert corrector.correct(heard) == meant


@pytest.mark.parametrize("text", [
    "我去工商局投诉了那家店。",  # 工商局 (gōngshāngjú) is right: never 工伤局
    "他是工商局的工作人员",
    "上个礼拜他又打了我",  # 礼拜 stays whole
    "我手里只有考勤记录",  # 手里 is not 受理
    "我的伤残等级是九级",
])
def test_correct_words_are_left_alone(corrector, text: str) -> None:  # noqa: ANN001
    assert corrector.correct(text) == text


def test_the_lexicon_comes_from_the_repository_sources(corrector) -> None:  # noqa: ANN001
    lexicon = corrector.lexicon
    assert "工伤认定" in lexicon and "劳动合同法" in lexicon and "抚养费" in lexicon  # legal_terms.txt, law names
    assert "工商局" not in lexicon and "十九" not in lexicon  # a correct unusual word; numbers are no terms
    assert len(lexicon) > 1000  # mined from the statutes' headings, the FAQ and consultations


def test_real_speech_through_the_pool_comes_out_right_with_the_raw_text_kept() -> None:
    """utt_027 (8 kHz μ-law): the caller says 工伤保险; Whisper base hears 工商保险."""
    from asr.pool import RecognizerPool
    from asr.session import MediaSession
    from asr.settings import WHISPER_STREAM_OPTIONS

    options = {**WHISPER_STREAM_OPTIONS, "cpu_threads": 2, "correction": str(SHARED)}
    pool = RecognizerPool("whisper", str(WHISPER_MODEL), options, workers=1, streams_per_worker=1).start()
    try:
        assert pool.wait_ready(300), pool.failures
        path = AUDIO / "utt_027_8k_ulaw.wav"
        data = path.read_bytes()
        payload = data[data.index(b"data") + 8:]
        done = threading.Event()
        results = []
        session = MediaSession(pool, encoding="mulaw", rate=8000, on_result=results.append, on_closed=done.set,
                               first_index=1)
        for n, k in enumerate(range(0, len(payload), 160), start=1):
            session.push(n, payload[k:k + 160])
        session.finish()
        assert done.wait(300)
    finally:
        pool.close()
    finals = [r for r in results if r.is_final and r.text]
    text, raw = "".join(r.text for r in finals), "".join(r.raw_text or "" for r in finals)
    assert "工伤保险" in text, (raw, text)
    assert "工伤保险" not in raw and "保险" in raw, raw  # the recogniser's own words, kept beside
    assert all(r.raw_text is not None for r in results if r.text)  # partials are corrected too
