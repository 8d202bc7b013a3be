"""The form's own words per language (yes/no, the answer words, a companion's choices), language
columns, and how a companion question is named."""

from __future__ import annotations

from carepath.rules.model import InputSpec

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "km": "Khmer",
    "th": "Thai",
    "vi": "Vietnamese",
    "lo": "Lao",
    "my": "Burmese",
    "zh": "Chinese",
    "id": "Indonesian",
    "ms": "Malay",
    "tl": "Tagalog",
    "ne": "Nepali",
    "bn": "Bengali",
    "hi": "Hindi",
    "ar": "Arabic",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sw": "Swahili",
}
"""English names of language codes, for the ``label::Name (code)`` columns (else the code)."""

BUILTIN_TEXT: dict[str, dict[str, str]] = {
    "yes": {"en": "Yes", "km": "បាទ/ចាស"},
    "no": {"en": "No", "km": "ទេ"},
    "unknown": {"en": "Unknown", "km": "មិនដឹង"},
    "declined": {"en": "Declined to answer", "km": "បដិសេធមិនឆ្លើយ"},
    "none": {"en": "None of these", "km": "មិនមានណាមួយទេ"},
    "answered": {"en": "Answered", "km": "បានឆ្លើយ"},
    "does_not_know": {"en": "Does not know", "km": "គាត់មិនដឹង"},
    "answer_known": {"en": "Is the answer known?", "km": "តើដឹងចម្លើយដែរឬទេ?"},
    "required": {"en": "An answer is needed here.", "km": "ត្រូវការចម្លើយនៅទីនេះ។"},
    "required_unknown": {
        "en": 'An answer is needed: if it is not known, choose "Unknown".',
        "km": "ត្រូវការចម្លើយ៖ បើមិនដឹង សូមជ្រើស «មិនដឹង»។",
    },
    "required_does_not_know": {
        "en": 'An answer is needed: if it is not known, choose "Does not know".',
        "km": "ត្រូវការចម្លើយ៖ បើមិនដឹង សូមជ្រើស «គាត់មិនដឹង»។",
    },
    "constraint_between": {"en": "A number from {min} to {max}.", "km": "លេខពី {min} ដល់ {max}។"},
    "constraint_at_least": {"en": "A number of at least {min}.", "km": "លេខយ៉ាងហោចណាស់ {min}។"},
    "constraint_at_most": {"en": "A number of at most {max}.", "km": "លេខយ៉ាងច្រើន {max}។"},
    "constraint_alone": {
        "en": "These choices are picked only on their own: {words}.",
        "km": "ជម្រើសទាំងនេះត្រូវជ្រើសតែឯកឯង៖ {words}។",
    },
}
"""The form's own words (yes/no, the answer words, a companion's choices), per language. The
Khmer ones are draft translations, not yet reviewed by a person (:data:`DRAFT_LANGUAGES`)."""

DRAFT_LANGUAGES: frozenset[str] = frozenset({"km"})
"""Languages in which the form's own words are drafts: a form in them says so in its first note."""

ANSWERED = "answered"
"""The companion's choice that says the value question holds the answer."""
COMPANION_SUFFIX = "__answer"
"""A companion question is named ``<input>__answer``."""
_COMPANION_TEXT = {ANSWERED: "answered", "unknown": "does_not_know", "declined": "declined"}

_SELECT = ("bool", "enum", "set")


def companion(name: str, spec: InputSpec) -> str | None:
    """The name of the input's companion question (``<name>__answer``), or None if it has none:
    only number, date and text inputs that accept ``unknown`` or ``declined`` have one."""
    return name + COMPANION_SUFFIX if spec.type not in _SELECT and spec.accepts else None


def language_column(lang: str) -> str:
    """``English (en)``: how XLSForm names a language in ``label::...`` columns."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"
