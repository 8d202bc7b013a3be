"""A rule set's inputs as an XLSForm (ODK, KoboToolbox, SurveyCTO), with skip logic from the rules.

The parts, along the way a form is made:

- :mod:`~carepath.exchange.xlsform.texts`: the form's own words per language, language columns,
  companion questions;
- :mod:`~carepath.exchange.xlsform.xpath`: the XPath expressions of the ``relevant`` column;
- :mod:`~carepath.exchange.xlsform.reads`: what a rule condition reads;
- :mod:`~carepath.exchange.xlsform.skip_logic`: each question's ``relevant``, from the rules;
- :mod:`~carepath.exchange.xlsform.survey`: the ``survey`` and ``choices`` sheets (the form's layout);
- :mod:`~carepath.exchange.xlsform.workbook`: writing the sheets as an ``.xlsx`` workbook;
- :mod:`~carepath.exchange.xlsform.form`: one rule set's form, its settings, missing labels and relevance.

:mod:`carepath.exchange.submissions` reads the form's submissions back into carepath cases.
"""

from carepath.exchange.xlsform.form import NAMESPACE as NAMESPACE
from carepath.exchange.xlsform.form import (
    add_draft_note,
    missing_labels,
    relevance,
    write_xlsform,
    xlsform_rows,
)
from carepath.exchange.xlsform.skip_logic import MAX_RELEVANT as MAX_RELEVANT
from carepath.exchange.xlsform.skip_logic import _SkipLogic as _SkipLogic
from carepath.exchange.xlsform.survey import SENSITIVE_COLUMN
from carepath.exchange.xlsform.survey import Sheets as Sheets
from carepath.exchange.xlsform.survey import _Builder as _Builder
from carepath.exchange.xlsform.texts import (
    ANSWERED,
    BUILTIN_TEXT,
    COMPANION_SUFFIX,
    DRAFT_LANGUAGES,
    LANGUAGE_NAMES,
    companion,
    language_column,
)
from carepath.exchange.xlsform.workbook import write_sheets
from carepath.exchange.xlsform.xpath import _X as _X
from carepath.exchange.xlsform.xpath import TRUE as TRUE
from carepath.exchange.xlsform.xpath import _or as _or

__all__ = [
    "ANSWERED",
    "BUILTIN_TEXT",
    "COMPANION_SUFFIX",
    "DRAFT_LANGUAGES",
    "LANGUAGE_NAMES",
    "SENSITIVE_COLUMN",
    "add_draft_note",
    "companion",
    "language_column",
    "missing_labels",
    "relevance",
    "write_sheets",
    "write_xlsform",
    "xlsform_rows",
]
