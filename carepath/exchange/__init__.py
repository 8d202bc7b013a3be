"""Exchange formats: what carepath writes for other tools and reads back from them.

XLSForm for field data collection and the way back from its submissions to cases, batch result
rows, JSON Schema, vocabulary mappings, labels and their gettext PO round trip, and the
reference pages generated from the schemas."""

from carepath.exchange.submissions import case_from_submission, read_submissions
from carepath.exchange.xlsform import missing_labels, relevance, write_xlsform, xlsform_rows

__all__ = [
    "case_from_submission",
    "missing_labels",
    "read_submissions",
    "relevance",
    "write_xlsform",
    "xlsform_rows",
]
