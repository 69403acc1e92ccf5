"""Application logs never hold personal data: every record that reaches a handler is redacted,
whichever logger made it (hotline.chat, hotline.voice, uvicorn.access ...), including its
traceback and URL-encoded request paths."""
from __future__ import annotations

import io
import logging
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from uvicorn.logging import AccessFormatter

from hotline.privacy import RedactingFilter, install_log_redaction
from tests.conftest import LiveServer, free_port, make_settings
from tests.core.chat_client import ChatClient

PHONE, ID_NUMBER, CARD = "13812345678", "11010519491231002X", "6222021234567890123"
PERSONAL = f"我的电话{PHONE}，身份证号{ID_NUMBER}，工资卡{CARD}"


@pytest.fixture
def captured():  # noqa: ANN201
    """A handler with the filter on the `hotline` logger; records come from its child loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    parent = logging.getLogger("hotline")
    parent.addHandler(handler)
    yield stream
    parent.removeHandler(handler)


def test_child_logger_records_are_redacted_at_the_handler(captured) -> None:  # noqa: ANN001
    log = logging.getLogger("hotline.chat")
    log.warning("message from %s: %s", "citizen", PERSONAL)
    log.warning("call back %d", int(PHONE))  # only visible once the argument is formatted
    log.warning("号%s", quote("号" + PHONE))  # URL-encoded: '%B7' ends in a digit
    out = captured.getvalue()
    assert out == ("message from citizen: 我的电话【手机号】，身份证号【身份证号】，工资卡【银行卡号】\n"
                   "call back 【手机号】\n"
                   "号号【手机号】\n")


def test_tracebacks_are_redacted(captured) -> None:  # noqa: ANN001
    log = logging.getLogger("hotline.voice.media")
    try:
        raise ValueError(f"bad caller {PHONE} with card {CARD}")
    except ValueError:
        log.exception("storing a recognised utterance failed")
    out = captured.getvalue()
    assert "Traceback" in out and "ValueError: bad caller 【手机号】 with card 【银行卡号】" in out
    assert PHONE not in out and CARD not in out


def test_access_log_arguments_stay_a_tuple() -> None:
    """uvicorn's AccessFormatter unpacks the record's five arguments: they are redacted one by one."""
    path = "/api/kb/search?q=" + quote(PERSONAL)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:50000", "GET", path, "1.1", 401), None)
    assert RedactingFilter().filter(record)
    line = AccessFormatter("%(client_addr)s - \"%(request_line)s\" %(status_code)s", use_colors=False).format(record)
    assert line == ('127.0.0.1:50000 - "GET /api/kb/search?q=我的电话【手机号】，身份证号【身份证号】，工资卡【银行卡号】'
                    ' HTTP/1.1" 401 Unauthorized')


def test_install_attaches_to_handlers_once() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logger = logging.getLogger("tests.log_redaction.install")
    logger.addHandler(handler)
    try:
        install_log_redaction()
        install_log_redaction()
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        assert any(isinstance(f, RedactingFilter) for f in logging.lastResort.filters)
    finally:
        logger.removeHandler(handler)


def test_server_log_holds_no_personal_data(tmp_path, database_url) -> None:  # noqa: ANN001
    """`hotline serve`: a chat message, a query string and a refused Twilio webhook (logged by
    hotline.voice with its URL) all carry personal data; the server log holds none of it."""
    port = free_port()
    settings = make_settings(tmp_path, database_url, twilio_auth_token="log-redaction-token",
                             public_url=f"http://127.0.0.1:{port}")
    server = LiveServer(settings, port=port).start()
    try:
        chat = ChatClient(server.ws_url)
        chat.say(PERSONAL)
        chat.close()
        with server.client() as client:
            assert client.get("/api/kb/search", params={"q": "号" + PERSONAL}).status_code == 401
            assert client.get("/login", params={"next": f"/号{PHONE}"}).status_code == 200
            refused = client.post("/twilio/voice", params={"note": "号" + PERSONAL},
                                  data={"CallSid": "CA123", "From": f"+86{PHONE}"},
                                  headers={"X-Twilio-Signature": "not-a-signature"})
            assert refused.status_code == 403
        deadline = time.monotonic() + 10
        while "/twilio/voice" not in server.log() or "refused: bad signature" not in server.log():
            assert time.monotonic() < deadline, server.log()[-4000:]
            time.sleep(0.1)
    finally:
        server.stop()
    log = server.log()
    for raw in (PHONE, ID_NUMBER, CARD, quote(ID_NUMBER)):
        assert raw not in log, log[-4000:]
    assert "GET /api/kb/search?q=号我的电话【手机号】" in log  # redacted, not dropped
    assert "【银行卡号】" in log and "【身份证号】" in log


def test_asr_worker_process_logs_are_redacted() -> None:
    """A recogniser worker is a separate (spawned) process with its own logging: its stderr,
    which joins the server's, is redacted too. Run as such a process starts, with the log set-up
    the app's pool hands its workers (hotline.voice.recognition)."""
    script = ("import logging\n"
              "from asr.worker import configure_logging\n"
              "from hotline.voice.recognition import install_log_redaction\n"
              "configure_logging(3, install_log_redaction)\n"
              f"logging.getLogger('asr.worker').error('stream s1: 来电 {PHONE} 身份证 {ID_NUMBER}')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 0, done.stderr
    assert "asr-worker-3 ERROR stream s1" in done.stderr  # the line is there …
    assert PHONE not in done.stderr and ID_NUMBER not in done.stderr  # … without the personal data
