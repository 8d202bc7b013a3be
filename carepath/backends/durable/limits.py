"""durable's limits, the message attributes the backend makes up, and the errors with which it
refuses what it cannot run exactly."""

from __future__ import annotations

from carepath.errors import CarepathError

MAX_TERMS = 1024
"""The most conjunctions one rule's condition may expand into: each is a durable rule."""
MAX_ATTRIBUTES = 255
"""durable's limit on the properties of one message (``MAX_OBJECT_PROPERTIES``)."""
_BUDGET = 48
"""The most match nodes one asserted fact may reach. durable's matcher keeps at most 64
pending (``MAX_STACK_SIZE``); beyond, the assert fails and the session is corrupt."""

_GROUP = "cp__group"
_BLOCKED = "cp__blocked"


class UnsupportedByBackend(CarepathError):
    """The backend cannot run this rule set or this case exactly, so it refuses.

    ``feature`` names what is not supported; ``rule_id`` the rule that uses it, ``field`` the
    input concerned. Messages never hold a case's values.
    """

    def __init__(
        self, message: str, *, feature: str, rule_id: str | None = None, field: str | None = None
    ) -> None:
        self.message = message
        self.feature = feature
        self.rule_id = rule_id
        self.field = field
        where = f"rule {rule_id}: " if rule_id else f"{field}: " if field else ""
        super().__init__(f"{where}{message} (unsupported by the durable backend: {feature})")


class IncompleteCaseError(UnsupportedByBackend):
    """A case with an input missing, unknown or declined: only the core evaluates those."""
