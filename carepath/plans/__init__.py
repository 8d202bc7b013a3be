"""Care plans: ranked care options, the case path with its moves and due dates."""

from carepath.plans.path import CarePlan, DueDate, MoveState, care_plan, path_graph
from carepath.plans.ranking import BlockedOption, PendingOption, RankedOption, Ranking, Reason, rank

__all__ = [
    "BlockedOption",
    "CarePlan",
    "DueDate",
    "MoveState",
    "PendingOption",
    "RankedOption",
    "Ranking",
    "Reason",
    "care_plan",
    "path_graph",
    "rank",
]
