"""Strict request validation, one way for every body, path and query (issue 18, item 5).

- `StrictModel` is the base of every request body: Pydantic strict mode (a `true` is not an
  integer, `"30"` is not a number, `"yes"` is not a boolean), finite numbers only, and no value
  that a database cannot store (integers outside 64 bits, NUL characters, lone surrogates).
- `IsoDate` / `IsoDateTime`: from JSON, ISO 8601 strings only (never a Unix timestamp); years
  1950-2100.
- `check_path_and_query`: an app-wide dependency rejecting integers beyond 64 bits in any path or
  query parameter before a handler runs (they used to reach the database and give a 500).

Every rejection is FastAPI's usual 422 with the offending field in `loc`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from starlette.requests import HTTPConnection
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

INT64_MAX = 2**63 - 1
MIN_YEAR, MAX_YEAR = 1950, 2100
_SURROGATE = re.compile("[\ud800-\udfff]")
_INTEGER = re.compile(r"[+-]?\d+")


def bad_value(value: Any) -> str | None:
    """Why `value` (a decoded JSON document or part of one) cannot be stored, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "integer out of range" if abs(value) > INT64_MAX else None
    if isinstance(value, float):
        return "number must be finite" if value != value or value in (float("inf"), float("-inf")) else None
    if isinstance(value, str):
        if "\x00" in value:
            return "text must not contain NUL characters"
        if _SURROGATE.search(value):
            return "text is not valid Unicode (lone surrogate)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            reason = bad_value(key) or bad_value(item)
            if reason:
                return reason
    if isinstance(value, list | tuple):
        for item in value:
            reason = bad_value(item)
            if reason:
                return reason
    return None


def _check_field(value: Any) -> Any:
    reason = bad_value(value)
    if reason:
        raise ValueError(reason)
    return value


class StrictModel(BaseModel):
    """Base of every request body (see the module docstring)."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                reason = bad_value(value)
                if reason:
                    raise ValueError(f"{key}: {reason}")
        return data


def _iso_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):  # built in Python, not from JSON
        return _in_range(value)
    if not isinstance(value, str):
        raise ValueError("date must be an ISO 8601 string (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("date must be an ISO 8601 string (YYYY-MM-DD)") from None
    return _in_range(day)


def _iso_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):  # built in Python, not from JSON
        return _in_range(value)
    if not isinstance(value, str):
        raise ValueError("time must be an ISO 8601 string (YYYY-MM-DDTHH:MM:SS[+08:00])")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("time must be an ISO 8601 string (YYYY-MM-DDTHH:MM:SS[+08:00])") from None
    return _in_range(moment)


def _in_range(value: Any) -> Any:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _text_ok(value: str) -> str:
    return _check_field(value)


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime)]
Text = Annotated[str, AfterValidator(_text_ok)]


async def check_path_and_query(request: HTTPConnection) -> None:
    """Reject integers beyond 64 bits in path or query parameters (422 naming the parameter)."""
    errors = []
    for where, params in (("path", request.path_params), ("query", request.query_params)):
        for name, raw in params.items():
            if not isinstance(raw, str):
                continue
            if _INTEGER.fullmatch(raw.strip()) and abs(int(raw)) > INT64_MAX:
                errors.append({"type": "int_too_large", "loc": [where, name],
                               "msg": "integer out of range", "input": raw})
            elif "\x00" in raw:
                errors.append({"type": "bad_text", "loc": [where, name],
                               "msg": "text must not contain NUL characters", "input": ""})
    if errors:
        raise RequestValidationError(errors)
