"""The documents a rule set draws on, and the :class:`Source` every rule and dated value cites."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from carepath.rules.model.base import Confidence, _Model


class Document(_Model):
    """A source document a rule set draws on."""

    title: str = Field(description="Full title of the document.")
    year: int | None = Field(default=None, description="Year of the document.")
    where: str = Field(description="Where to find it (publisher, treaty series, file, URL).")
    publisher: str | None = Field(default=None, description="Who published or wrote it.")
    url: str | None = Field(
        default=None,
        description="A public address (http or https) where a reader can find it; left out when no "
        "source gives one.",
    )

    @field_validator("url")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://\S+", value):
            raise ValueError("`url` is an http or https address")
        return value

    note: str | None = Field(default=None, description="Caveats about the copy used.")


class Source(_Model):
    """Where a rule or value comes from, and how sure we are of it."""

    document: str = Field(description="Key of a document in `sources` (this file or a lower layer).")
    locator: str = Field(
        min_length=1,
        description="Article, paragraph, page or seed line (`004:L3319`, `Art. 3(c)`).",
    )
    confidence: Confidence = Field(
        description="`verbatim`: the text says it; `secondary`: a reliable source reports it; "
        "`inferred`: our reading of the sources."
    )
    quote: str | None = Field(default=None, description="The words relied on, if short.")
    note: str | None = Field(default=None, description="Why this reading, or what is uncertain.")
