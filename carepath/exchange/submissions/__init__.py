"""Submissions of the XLSForm (:mod:`carepath.exchange.xlsform`) back into carepath cases.

The parts, along the way an export is read:

- :mod:`~carepath.exchange.submissions.files`: the export's rows, from CSV or JSON;
- :mod:`~carepath.exchange.submissions.answers`: one row into a case's answers;
- :mod:`~carepath.exchange.submissions.ids`: a submission's ids, date and review state;
- :mod:`~carepath.exchange.submissions.report`: a whole export as case files, and the import report.
"""

from carepath.exchange.submissions.answers import METADATA, case_from_submission
from carepath.exchange.submissions.files import MAX_JSON_BYTES, read_submissions
from carepath.exchange.submissions.ids import CASE_ID, REJECTED, SubmissionMeta, submission_meta
from carepath.exchange.submissions.report import Imported, import_submissions

__all__ = [
    "CASE_ID",
    "MAX_JSON_BYTES",
    "METADATA",
    "REJECTED",
    "Imported",
    "SubmissionMeta",
    "case_from_submission",
    "import_submissions",
    "read_submissions",
    "submission_meta",
]
