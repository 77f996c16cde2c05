"""Who is acting: every service takes an Actor, and every audit row names one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["user", "api_key", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: str = ""
    label: str = ""
    # None for vendor-wide actors (operator keys, staff, the system).
    tenant_id: str | None = None
    # operator key or operator user: acts on every tenant.
    is_operator: bool = False
    # a support engineer working the callback queue.
    is_support: bool = False
    role: str = ""

    @property
    def ref(self) -> str:
        """The stable reference stored in audit rows: "user:usr_…", "api_key:key_…", "system"."""
        return self.kind if self.kind == "system" else f"{self.kind}:{self.id}"

    @property
    def is_staff(self) -> bool:
        return self.is_operator or self.is_support

    def can_see_tenant(self, tenant_id: str) -> bool:
        return self.is_staff or self.kind == "system" or self.tenant_id == tenant_id


SYSTEM = Actor(kind="system", label="Prorata")
