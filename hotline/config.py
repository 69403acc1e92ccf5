"""Settings, read from HOTLINE_* environment variables and `.env`.

One `Settings` object per process (`get_settings()`); tests build their own and pass it to
`create_app()`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    # Where the shared statutes, FAQ, evaluation questions, test speech and models live.
    data_dir: Path = PROJECT_ROOT.parent / "shared"
    # Where the hotline writes its own state: the SQLite file, indexes, trained models.
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""  # empty: SQLite file var_dir/hotline.db

    host: str = "127.0.0.1"
    port: int = 8000
    # The URL citizens and Twilio reach the app at (used in TwiML and signature checks).
    public_url: str = ""

    # Staff sessions
    session_cookie: str = "hotline_session"
    session_hours: int = 12
    cookie_secure: bool = False

    # Chat channel limits
    chat_max_chars: int = 2000
    chat_max_frame_bytes: int = 65536
    chat_history_on_resume: int = 200
    # A chat whose citizen has no socket for this long is ended (the page reconnects within
    # seconds after a reload or a restart): before a lawyer answered (outcome abandoned), after.
    chat_abandon_after_s: float = 120
    chat_idle_end_after_s: float = 900
    # Rate limits on citizen sockets (token buckets: frames per second, and the burst allowed
    # above it), per socket and per client address (behind a proxy: X-Forwarded-For, as uvicorn
    # reads it from trusted proxies). Over a limit a frame is refused with a `rate_limited`
    # error (docs/chat-protocol.md). 0 switches a limit off.
    chat_rate_per_socket: float = 2.0
    chat_burst_per_socket: int = 10
    chat_rate_per_address: float = 20.0
    chat_burst_per_address: int = 100

    # The work after a citizen's utterance (suggestions, routing), off the event loop
    # (hotline.contacts.said): threads (0: one per core) and contacts waiting before their
    # search is skipped (routing still runs).
    assist_workers: int = 0
    assist_queue: int = 200
    assist_test_delay_s: float = 0  # tests only: make each knowledge-base search this much slower
    # What a citizen is told on arrival and while waiting (hotline.chat.waiting): the greeting,
    # the service hours ("08:30-20:00" in `timezone`; empty: the duty roster alone decides) and
    # the notice outside them or when nobody is on duty ({hours} is replaced).
    chat_greeting: str = "您好，欢迎咨询 12348 公共法律服务热线。请简要描述您遇到的问题，我们将为您转接值班律师。"
    chat_service_hours: str = Field(default="", pattern=r"^(\s*\d{2}:\d{2}\s*-\s*\d{2}:\d{2}\s*)?$")
    # The consent step before a citizen's first message (chat page, /privacy): the notice's
    # version (recorded on the contact with the time of consent) and how long records are kept.
    chat_consent_version: str = "2026-12"
    chat_retention_years: int = Field(default=3, ge=1, le=30)
    chat_off_hours_message: str = ("现在是非服务时间（服务时间：{hours}）。您可以先留言说明情况，并留下电话号码，"
                                   "我们会在服务时间尽快回复或回电。情况紧急请拨打 110。")

    # Knowledge base
    kb_dir: Path | None = None  # default var_dir/kb
    embedding_model: str = ""  # sentence-transformers name or path; empty: the built default
    kb_corpus: str = "all"  # "all" or "core": which statute articles the index holds
    kb_enabled: bool = True
    suggestion_top: int = 8

    # Speech recognition
    asr_engine: str = "whisper"  # whisper | vosk
    # recognizer worker processes: on 2 cores, 2 workers of 1 thread keep 2 live calls under 2 s
    # from end of speech to final text, where 1 worker of 2 threads keeps 1 (benchmarks/asr_load.py)
    asr_workers: int = 2
    asr_streams_per_worker: int = 2  # live streams one worker serves; more wait in its queue (docs/asr.md)
    asr_cpu_threads: int | None = None  # threads per worker (default: the machine's cores shared out among them)
    asr_correction: bool = True  # domain correction of recognised text (asr/correct.py, docs/asr.md)
    asr_hints: bool = False  # Whisper legal phrase hints (hotwords); off: measured to cost CER (docs/asr.md)
    whisper_model: Path | None = None  # default data_dir/models/whisper-base-ct2
    vosk_model: Path | None = None

    # Telephony (Twilio)
    twilio_auth_token: str = ""
    twilio_account_sid: str = ""
    twilio_caller_id: str = ""
    twilio_voice: str = "Polly.Zhiyu"
    twilio_greeting_url: str = ""
    # Bridged calls: transcribe the lawyer too (Twilio both_tracks; the lawyer's side is the
    # outbound track), for the full record 督查 reviews. Each bridged call then takes two
    # recogniser streams instead of one (size HOTLINE_ASR_WORKERS × STREAMS_PER_WORKER for it).
    transcribe_lawyer: bool = True
    # Bridge calls in a named conference (<Dial><Conference>, the lawyer added through the
    # Participants API) so a manager can coach or barge in (docs/supervision.md). Off: <Dial><Number>.
    call_conference: bool = False
    twilio_api_base: str = "https://api.twilio.com"  # the REST API (tests point it at a simulator)

    # WeChat Official Accounts (hotline.wechat; accounts are configured on /admin/wechat)
    wechat_api_base: str = "https://api.weixin.qq.com"  # tests point it at their simulator

    # Routing
    offer_timeout_s: int = 20
    wrapup_s: int = 60
    no_answer_penalty_s: int = 30
    overflow_after_s: int = 60
    chat_capacity: int = 3
    timezone: str = "Asia/Shanghai"

    # Audit log: the HMAC key outside the database (the key itself, or a file; default
    # var_dir/audit.key, created on first use) and the signed checkpoints of the chain's head
    # (appended to a file outside the database; default var_dir/audit-checkpoints.jsonl),
    # written every audit_checkpoint_every_s by the server (0: only by `hotline audit checkpoint`).
    audit_key: str = ""
    audit_key_file: Path | None = None
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_every_s: float = 300
    audit_checkpoint_syslog: bool = False

    demo_admin_password: str = Field(default="hotline-admin-12348")

    # The features the app installs, in order, comma-separated: modules with `install(app)`
    # (routers, start-up and shut-down hooks). The app is composed here, by configuration (as
    # Django's INSTALLED_APPS): no hotline module imports a higher layer (admin) to mount it.
    features: str = ("hotline.queue.views,hotline.roster.views,hotline.referrals.views,hotline.voice.views,"
                     "hotline.console.views,hotline.wechat.views,admin.views,"
                     # supervision (docs/supervision.md)
                     "hotline.deadlines.views,hotline.followup.views,hotline.quality.views,hotline.supervision.views,"
                     "admin.staffing_views,"
                     "hotline.safety.views,"  # the citizen's safety rules (issue 19)
                     "hotline.auth.accounts")  # staff accounts for the administrator (issue 19)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'hotline.db'}"

    @property
    def kb_path(self) -> Path:
        return self.kb_dir or (self.var_dir / "kb")

    @property
    def whisper_model_path(self) -> Path:
        return self.whisper_model or (self.data_dir / "models" / "whisper-base-ct2")


@lru_cache
def get_settings() -> Settings:
    return Settings()
