"""What comes in: case files (answers over contacts), follow-up visits, JSON Lines of cases.

>>> from carepath.cases import read_case_text
>>> case = read_case_text("age: 16\\nact: [recruitment]")
>>> case["age"]
16
"""

from carepath.cases.read import (
    Case,
    Contact,
    RenamedFieldWarning,
    case_from_data,
    merge_contacts,
    read_case,
    read_case_text,
    rename_fields,
)

__all__ = [
    "Case",
    "Contact",
    "RenamedFieldWarning",
    "case_from_data",
    "merge_contacts",
    "read_case",
    "read_case_text",
    "rename_fields",
]
