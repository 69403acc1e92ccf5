"""The access token lives in the database, shared by every worker and node: two clients (two
nodes) fetch it once; when WeChat refuses it, one refreshes and the other takes the new token
from the database instead of fetching again (which would invalidate the first one's)."""
from __future__ import annotations

import time
from datetime import timedelta

from hotline.database import session_scope
from hotline.timeutil import utcnow
from hotline.wechat.client import WechatApiError, WechatClient
from hotline.wechat.models import WechatAccount, WechatToken
from tests.wechat.wechat_sim import APP_ID, SECRET, TOKEN, WechatSim


def test_token_shared_through_the_database(engine) -> None:  # noqa: ANN001
    sim = WechatSim().start()
    try:
        with session_scope(engine) as session:
            account = WechatAccount(name="gd", app_id=APP_ID, secret=SECRET, token=TOKEN)
            session.add(account)
        node_a, node_b = (WechatClient(engine, sim.api_url, account) for _ in range(2))
        sim.last_inbound["o1"] = time.time()

        node_a.send_text("o1", "一")
        node_b.send_text("o1", "二")
        assert sim.token_requests == 1 and [m["text"]["content"] for m in sim.sent] == ["一", "二"]

        sim.expire_tokens()  # WeChat refuses the cached token: node A refreshes and retries
        node_a.send_text("o1", "三")
        assert sim.token_requests == 2
        node_b.send_text("o1", "四")  # B finds the new token in the database
        assert sim.token_requests == 2 and sim.sent[-1]["text"]["content"] == "四"

        # a token near its expiry is refreshed before use
        with session_scope(engine) as session:
            session.get(WechatToken, account.id).expires_at = utcnow() + timedelta(seconds=60)
        node_b.send_text("o1", "五")
        assert sim.token_requests == 3

        # a wrong secret: WeChat's error, nothing cached
        bad = WechatAccount(id=account.id, name="gd", app_id=APP_ID, secret="wrong", token=TOKEN)
        try:
            WechatClient(engine, sim.api_url, bad).access_token(force=True)
        except WechatApiError as exc:
            assert exc.errcode == 40013
        else:
            raise AssertionError("a wrong secret was accepted")
        with session_scope(engine) as session:
            assert session.get(WechatToken, account.id).access_token in sim.valid_tokens
    finally:
        sim.stop()
