"""The typed refusal of the columnar compiler: a construct it cannot translate exactly."""

from __future__ import annotations

from carepath.errors import CarepathError

__all__ = ["NotColumnar"]


class NotColumnar(CarepathError):
    """A rule set (or a date, or an environment) the columnar path cannot evaluate exactly.

    ``construct`` names what was refused (``elapsed``, ``declined test``...) and ``rule_id`` the
    rule where it was found; the caller evaluates case by case instead, and says so.
    """

    def __init__(self, construct: str, *, rule_id: str | None = None, detail: str | None = None) -> None:
        self.construct = construct
        self.rule_id = rule_id
        self.detail = detail
        where = f" in rule {rule_id}" if rule_id else ""
        more = f": {detail}" if detail else ""
        super().__init__(f"not columnar: {construct}{where}{more}")
