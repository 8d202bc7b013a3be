"""Exports of a rule set to formats other tools read: XLSForm for field data collection, and
the way back from the form's submissions to carepath cases."""

from carepath.export.submissions import case_from_submission, read_submissions
from carepath.export.xlsform import missing_labels, relevance, write_xlsform, xlsform_rows

__all__ = [
    "case_from_submission",
    "missing_labels",
    "read_submissions",
    "relevance",
    "write_xlsform",
    "xlsform_rows",
]
