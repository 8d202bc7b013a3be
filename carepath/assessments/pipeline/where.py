"""Where a part of a merged pipeline was declared (file, line, field), to place errors."""

from __future__ import annotations

from dataclasses import dataclass

from carepath.errors import PipelineError
from carepath.rules.loader import Located
from carepath.rules.parsing import locate


@dataclass(frozen=True)
class _Where:
    """Where a part of the merged pipeline was declared, to place errors."""

    located: Located

    def error(self, message: str, path: tuple[str | int, ...]) -> PipelineError:
        line, column = locate(self.located, path)
        shown = ".".join(str(p) for p in path)
        return PipelineError(message, file=self.located.file, line=line, column=column, field=shown)
