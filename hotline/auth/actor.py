"""Who did something, as the audit log names them: a staff member ("staff:<id>") or a part of the
system ("routing", "twilio", "cli", "system", "citizen"). A `str`, so it is stored as it always was."""
from __future__ import annotations

from typing import Any


class Actor(str):
    __slots__ = ()
    PREFIX = "staff:"

    @classmethod
    def staff(cls, user_id: int) -> "Actor":
        return cls(f"{cls.PREFIX}{user_id}")

    @classmethod
    def of(cls, user: Any) -> "Actor":
        """The staff member `user` (anything with an `id`)."""
        return cls.staff(user.id)

    @property
    def user_id(self) -> int | None:
        """The staff member's id, or None for a part of the system."""
        return int(self[len(self.PREFIX):]) if self.startswith(self.PREFIX) else None
