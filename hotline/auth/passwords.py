"""The staff password policy: at least 12 characters, not on the common-password list shipped
with the hotline (hotline/auth/common_passwords.txt), not the username."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 12
COMMON_LIST = Path(__file__).resolve().parent / "common_passwords.txt"


class PasswordPolicyError(ValueError):
    pass


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in COMMON_LIST.read_text(encoding="utf-8").splitlines()
                     if line.strip())


def check_password(password: str, username: str) -> None:
    """Raise PasswordPolicyError (Chinese message, English in brackets) for a weak password."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(f"密码至少 {MIN_LENGTH} 个字符 (at least {MIN_LENGTH} characters)")
    if password.lower() in common_passwords():
        raise PasswordPolicyError("密码过于常见，请换一个 (a common password)")
    if password.strip().lower() == username.strip().lower():
        raise PasswordPolicyError("密码不能与用户名相同 (equal to the username)")
