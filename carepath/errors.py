"""Every exception carepath raises, in one tree.

::

    CarepathError                  catch this to catch everything carepath raises
    ├── RuleSetError               a rule file or rule set cannot be used (load and compile time)
    │   ├── RuleSetNotFoundError   no bundled id or file by that name
    │   ├── YamlError              unreadable, unsafe, or over the size / depth / alias bounds
    │   │   └── InputFileError     not a regular file, unreadable, or over the size limit
    │   ├── RuleFileError          fails the model: file, line, column, field path
    │   ├── UnsourcedRuleError     a rule with no source that is not marked as a local setting
    │   ├── LayerError             an overlay relaxes a `hard` rule or parameter of a lower layer
    │   └── CycleError             derived facts that depend on themselves (names the rules)
    ├── CaseError                  a case cannot be evaluated (evaluate time)
    │   ├── CaseFormatError        the case document itself is unreadable or not a mapping
    │   ├── UnknownFieldError      a field the rule set does not declare ("did you mean ...?")
    │   ├── FieldTypeError         the wrong type for the declared input
    │   └── OutOfRangeError        outside the declared range or choices, or an answer not accepted
    ├── EvaluationError            a rule set cannot be evaluated on that date (no parameter value in force)
    └── OutputError                an output file cannot be written (the old file is left as it was)

Messages name files, lines and fields, never a case's values: case data is about survivors.
"""

from __future__ import annotations

__all__ = [
    "CarepathError",
    "CaseError",
    "CaseFormatError",
    "CycleError",
    "EvaluationError",
    "FieldTypeError",
    "InputFileError",
    "LayerError",
    "OutOfRangeError",
    "OutputError",
    "RuleFileError",
    "RuleSetError",
    "RuleSetNotFoundError",
    "UnknownFieldError",
    "UnsourcedRuleError",
    "YamlError",
]


class CarepathError(Exception):
    """Base of every error carepath raises."""


class RuleSetError(CarepathError):
    """A rule file or rule set cannot be loaded or compiled."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        rule_id: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.rule_id = rule_id
        self.errors: list[RuleSetError] = [self]
        super().__init__(self._render())

    @property
    def location(self) -> str:
        """``file:line:column`` as far as it is known."""
        parts = [self.file or "<rule set>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def _render(self) -> str:
        where = self.location
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class RuleSetNotFoundError(RuleSetError):
    """No bundled rule set has that id and no file has that path."""


class YamlError(RuleSetError):
    """The file is not safe, bounded YAML (syntax, size, depth, aliases, tags)."""


class InputFileError(YamlError):
    """A file cannot be read: not a regular file, an OS error, or over the size limit."""


class RuleFileError(RuleSetError):
    """The YAML is well-formed but does not fit the rule-file model."""


class UnsourcedRuleError(RuleFileError):
    """A rule carries no source and is not marked as a local setting."""


class LayerError(RuleSetError):
    """An overlay relaxes a `hard` rule or parameter of a layer below it, or cannot be merged."""


class PipelineError(RuleSetError):
    """A pipeline file names a step, feed, ranking or path that does not fit its rule sets."""


class CycleError(RuleSetError):
    """Derived facts depend on themselves; ``rules`` names the rules in the cycle."""

    def __init__(
        self,
        message: str,
        *,
        rules: list[str],
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.rules = rules
        super().__init__(message, file=file, line=line, column=column, rule_id=rules[0] if rules else None)


class CaseError(CarepathError):
    """A case cannot be evaluated against a rule set."""

    def __init__(self, message: str, *, field: str | None = None, suggestion: str | None = None) -> None:
        self.message = message
        self.field = field
        self.suggestion = suggestion
        text = f"{field}: {message}" if field else message
        if suggestion:
            text += f" (did you mean {suggestion!r}?)"
        super().__init__(text)


class CaseFormatError(CaseError):
    """The case document is not readable as a mapping of answers."""


class UnknownFieldError(CaseError):
    """The case names a field the rule set does not declare.

    The key is the case's own, so the message never shows it: it says "an unknown field (N
    characters)" and, if one is close, the declared name it may be meant for. ``field`` keeps
    the key for the caller that supplied it; it is never rendered."""

    def __init__(self, message: str, *, field: str | None = None, suggestion: str | None = None) -> None:
        self.message = message
        self.field = field
        self.suggestion = suggestion
        text = f"an unknown field ({len(field)} characters): {message}" if field is not None else message
        if suggestion:
            text += f" (did you mean {suggestion!r}?)"
        Exception.__init__(self, text)


class FieldTypeError(CaseError):
    """An answer has the wrong type for its declared input."""


class OutOfRangeError(CaseError):
    """An answer is outside the declared range or choices, or is an answer the input does not accept."""


class EvaluationError(CarepathError):
    """The rule set cannot be evaluated as asked (for example no parameter value in force on that date).

    ``file`` names the rule file the reason lies in, where there is one."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.message = message
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


class OutputError(CarepathError):
    """An output file cannot be written; the file that was there is left as it was."""

    def __init__(self, message: str, *, file: str) -> None:
        self.message = message
        self.file = file
        super().__init__(f"{file}: {message}")
