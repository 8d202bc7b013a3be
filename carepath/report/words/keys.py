"""The catalogue keys of the words a trace's states read as, shared by every renderer."""

from __future__ import annotations

__all__ = ["ANSWER_KEYS", "MOVE_KEYS", "STATUS_KEYS"]

STATUS_KEYS = {
    "fired": "status.fired",
    "not_fired": "status.not_fired",
    "unknown": "status.unknown",
    "overridden": "status.overridden",
    "not_in_force": "status.not_in_force",
}
"""A rule's status in a trace."""

ANSWER_KEYS = {
    "unknown": "answer.unknown",
    "declined": "answer.declined",
    "not_asked": "answer.not_asked",
    "candidates": "answer.candidates",
}
"""How an answer that was not simply given was read."""

MOVE_KEYS = {"allowed": "move.allowed", "blocked": "move.blocked", "pending": "move.pending"}
"""A move of the case path."""
