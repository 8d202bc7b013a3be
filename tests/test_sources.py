"""Sources a reader can follow: every quote a rule file gives is in the document it cites, and
every declared document says what a reader needs to find it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

import carepath
from carepath.rules.model import Document
from carepath.rules.registry import bundled_ids, bundled_pipelines

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RULE_FILES = sorted(p for p in (ROOT / "rulesets").rglob("*.yaml") if not p.name.endswith(".test.yaml"))


def normalised(text: str) -> str:
    """Whitespace, typographic quotes and dashes, and words broken across lines made plain."""
    for fancy, plain in (
        ("\u2019", "'"),
        ("\u2018", "'"),
        ("\u201c", '"'),
        ("\u201d", '"'),
        ("\u2013", "-"),
        ("\u2014", "-"),
    ):
        text = text.replace(fancy, plain)
    text = " ".join(text.split()).lower()
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def sources_in(data: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``source`` mapping (a document, a locator) in a parsed rule file, with its place."""
    if isinstance(data, dict):
        if "document" in data and "locator" in data:
            yield where, data
        for key, value in data.items():
            yield from sources_in(value, f"{where}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from sources_in(value, f"{where}[{index}]")


def seed_texts() -> dict[str, str]:
    return {p.name[:3]: normalised(p.read_text(encoding="utf-8")) for p in (SHARED / "seeds").glob("*.txt")}


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="the seed reports are not beside the checkout")
def test_every_quote_from_a_seed_report_is_in_it() -> None:
    seeds = seed_texts()
    checked, wrong = 0, []
    for path in RULE_FILES:
        for where, source in sources_in(yaml.safe_load(path.read_text(encoding="utf-8"))):
            quote, document = source.get("quote"), str(source["document"])
            if not quote or not document.startswith("seed_"):
                continue
            numbers = {document[5:8], *re.findall(r"\b(\d{3}):L", str(source["locator"]))}
            texts = [seeds[n] for n in numbers if n in seeds]
            assert texts, f"{path.name}{where}: no seed file for {sorted(numbers)}"
            # "..." marks words left out (or text the layout interleaved): each part is verbatim
            parts = [p.strip(" .") for p in re.split(r"\.\.\.|\u2026", normalised(quote)) if p.strip(" .")]
            if not all(any(part in text for text in texts) for part in parts):
                wrong.append(f"{path.relative_to(ROOT)}{where}: {quote[:80]!r}")
            checked += 1
    assert checked > 100  # the bundled rules quote the seeds often: an empty walk would prove nothing
    assert not wrong, "quotes not found in the seed they cite:\n" + "\n".join(wrong)


def test_the_check_finds_a_quote_that_is_not_in_the_seed() -> None:
    text = normalised(
        "The child cannot be returned to the family\nuntil all risk factors are re-\n\nsponded to."
    )
    assert normalised("until all risk factors are re-sponded") in text
    assert normalised("The child can be returned") not in text
    assert normalised("The child  cannot be\treturned") in text


def digest_text(text: str) -> str:
    """The digest (standards.md) made plain: its ``>`` quote marks and Markdown emphasis and code marks
    dropped, so a passage quoted across lines or marked up reads as its words."""
    return normalised(re.sub(r"[`*]", "", re.sub(r"(?m)^[ \t]*>[ \t]?", "", text)))


def quoted_in(quote: str, texts: list[str]) -> bool:
    """Whether every part of a quote ("..." marks words left out) is verbatim in one of the texts."""
    plain = re.sub(r"[`*]", "", normalised(quote))
    parts = [p.strip(" .") for p in re.split(r"\.\.\.|\u2026", plain) if p.strip(" .")]
    return bool(parts) and all(any(part in text for text in texts) for part in parts)


# Documents whose words are not in the digest: the Primero configuration is quoted from the repository
# (lookups, forms) itself.
QUOTED_FROM_ELSEWHERE = {"cambodia"}


@pytest.mark.skipif(
    not (SHARED / "domain").is_dir(), reason="the standards digest is not beside the checkout"
)
def test_every_quote_from_a_standard_is_in_the_digest() -> None:
    digest = digest_text((SHARED / "domain" / "standards.md").read_text(encoding="utf-8"))
    checked, wrong = 0, []
    for path in RULE_FILES:
        for where, source in sources_in(yaml.safe_load(path.read_text(encoding="utf-8"))):
            quote, document = source.get("quote"), str(source["document"])
            if not quote or document.startswith("seed_") or document in QUOTED_FROM_ELSEWHERE:
                continue
            if not quoted_in(str(quote), [digest]):
                wrong.append(f"{path.relative_to(ROOT)}{where} ({document}): {quote[:80]!r}")
            checked += 1
    assert checked > 80  # the standards are quoted often: an empty walk would prove nothing
    assert not wrong, "quotes not found in standards.md:\n" + "\n".join(wrong)


def test_the_check_finds_a_quote_that_is_not_in_the_digest() -> None:
    digest = digest_text(
        '> "Trafficking in persons" shall mean the recruitment,\n> transportation, transfer, harbouring or\n'
        "> receipt of persons\n* Form 6: **closure options: `close (if total score is 48 or above)`**"
    )
    assert quoted_in(
        '"Trafficking in persons" shall mean the recruitment, transportation, transfer', [digest]
    )
    assert quoted_in("closure options: close (if total score is 48 or above)", [digest])
    assert quoted_in("shall mean the recruitment, ... receipt of persons", [digest])
    assert not quoted_in("shall mean the recruitment or sale of persons", [digest])
    assert not quoted_in("close (if total score is 40 or above)", [digest])
    assert not quoted_in("...", [digest])


def test_every_source_quotes_its_passage_or_says_why_not() -> None:
    # invariants cite a document and locator but their schema has no quote (carepath/authoring/invariants.py)
    checked, silent = 0, []
    for path in RULE_FILES:
        if "translations" in path.parts or path.name.endswith(".invariants.yaml"):
            continue
        for where, source in sources_in(yaml.safe_load(path.read_text(encoding="utf-8"))):
            checked += 1
            if not source.get("quote") and "No quote:" not in str(source.get("note") or ""):
                silent.append(f"{path.relative_to(ROOT)}{where} ({source['document']})")
    assert checked > 300
    assert not silent, "sources with neither a quote nor a 'No quote:' note:\n" + "\n".join(silent)


def declared_documents() -> Iterator[tuple[str, str, Document]]:
    for rid in bundled_ids():
        for key, doc in carepath.load(rid).merged.sources.items():
            yield rid, key, doc
    for pid in bundled_pipelines():
        for key, doc in carepath.load_pipeline(pid).sources.items():
            yield pid, key, doc


def test_every_declared_source_says_who_published_it_and_the_seeds_their_year() -> None:
    seen = list(declared_documents())
    assert len(seen) > 20
    for where, key, doc in seen:
        assert doc.title.strip() and doc.where.strip(), (where, key)
        assert doc.publisher, f"{where}: source {key} names no publisher or author"
        if key.startswith("seed_"):
            assert doc.year is not None, f"{where}: source {key} has no year"
        if doc.url is not None:
            assert re.fullmatch(r"https?://\S+", doc.url)


def test_an_address_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValidationError, match="http or https"):
        Document(title="t", where="w", url="file:///etc/passwd")
    assert Document(title="t", where="w", url="https://example.org/x").url == "https://example.org/x"
