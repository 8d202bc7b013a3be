"""The translation round trip through gettext PO files (read by Poedit, Weblate, Lokalize...).

:func:`export_po` writes one entry per English text of the rule files asked for (with the
shared case-field dictionary they read and, for the bundled set or a pipeline named, the
pipeline files: :func:`sources_of`): ``msgctxt`` is the file and the place
(``intl/palermo:inputs.age.question``, ``intl/care_path.fields:fields.poverty.label``,
``intl/care_path.pipeline:path.stages.placement.label``), ``msgid`` the English,
``msgstr`` the translation (empty where there is none yet) and a draft carries the ``fuzzy``
flag; a reviewer's note is a translator comment. :func:`import_po` checks a PO file brought back
against the rule files (every text present, known and with its English unchanged, every
placeholder kept, no translation lost) and only then returns the translation files to write;
an entry with no ``fuzzy`` flag becomes ``reviewed``. Errors name the PO line and the
``msgctxt``, never a text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polib

from carepath.errors import RuleSetError
from carepath.rules.layers import Layer, load_layers
from carepath.rules.registry import resolve, resolve_pipeline
from carepath.rules.translation_files import dump_translation
from carepath.rules.translations import (
    Status,
    TextSource,
    TranslatedText,
    Translation,
    TranslationError,
    dictionary_of,
    dictionary_source,
    fitting_translation,
    placeholders,
    source_of,
    translation_path,
)
from carepath.safeio import atomic_write, read_bounded

__all__ = [
    "LAYERS_HEADER",
    "PlannedFile",
    "export_po",
    "import_po",
    "layers_of",
    "source_by_id",
    "sources_of",
    "write_planned",
]

LAYERS_HEADER = "X-Carepath-Rule-Files"
"""The PO header that lists the rule files a PO file covers (every text of each is in it)."""
MAX_PO_BYTES = 8 * 1024 * 1024
STALE_NOTE = "The English changed since this was translated: check the translation against it."
_SYNTAX_LINE = re.compile(r"\(line (\d+)\)")


@dataclass(frozen=True)
class PlannedFile:
    """A translation file to write: where, and its text."""

    path: Path
    text: str
    count: int


def layers_of(rulesets: Iterable[str | Path]) -> list[Layer]:
    """The rule files (layers) of these rule sets, each once, lowest first."""
    seen: dict[str, Layer] = {}
    for name in rulesets:
        for layer in load_layers(resolve(name)):
            seen.setdefault(layer.id, layer)
    return list(seen.values())


def sources_of(rulesets: Iterable[str | Path], pipelines: Iterable[str | Path] = ()) -> list[TextSource]:
    """The files with texts of these rule sets (each layer once, lowest first), the shared
    case-field dictionaries they read, and the files of these pipelines (each once)."""
    from carepath.assessments.pipeline import load_pipeline

    layers = layers_of(rulesets)
    found: dict[str, TextSource] = {layer.id: source_of(layer) for layer in layers}
    for layer in layers:
        dictionary = dictionary_of(layer)
        if dictionary is not None:
            found.setdefault(dictionary.id, dictionary)
    for name in pipelines:
        for source in load_pipeline(name).text_files:
            found.setdefault(source.id, source)
    return list(found.values())


_PIPELINE_ID = ".pipeline"


def source_by_id(source_id: str) -> TextSource:
    """A bundled file with texts by its id: a rule file (its top layer), a case-field dictionary
    (``intl/care_path.fields``) or a pipeline file (``intl/care_path.pipeline``)."""
    from carepath.assessments.pipeline import load_pipeline

    if source_id.endswith(_PIPELINE_ID):
        return load_pipeline(resolve_pipeline(source_id.removesuffix(_PIPELINE_ID))).text_files[-1]
    path = resolve(source_id)
    if path.name.endswith(".fields.yaml"):
        return dictionary_source(path)
    return source_of(load_layers(path)[-1])


def export_po(items: Sequence[Layer | TextSource], lang: str) -> polib.POFile:
    """A PO file with every English text of these rule files (or other files with texts:
    :func:`sources_of`) and its ``lang`` translation."""
    sources = [source_of(item) for item in items]
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "carepath rule sets",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        LAYERS_HEADER: " ".join(source.id for source in sources),
    }
    for layer in sources:
        fit, stale = fitting_translation(layer, lang)
        texts = fit.texts if fit else {}
        old = stale.texts if stale else {}
        for place, english in layer.texts.items():
            entry = texts.get(place)
            if entry is None and place in old:  # the English changed: the old text, to redo
                entry = replace(old[place], status="draft", note=STALE_NOTE)
            po.append(
                polib.POEntry(
                    msgctxt=f"{layer.id}:{place}",
                    msgid=english,
                    msgstr=entry.text if entry else "",
                    flags=["fuzzy"] if entry and entry.status == "draft" else [],
                    tcomment=(entry.note or "") if entry else "",
                    occurrences=[(_relative(layer.file), "")],
                )
            )
    return po


def _relative(file: str) -> str:
    path = Path(file)
    parts = path.parts
    return "/".join(parts[parts.index("rulesets") :]) if "rulesets" in parts else path.name


def import_po(
    path: str | Path, rulesets: Iterable[str | Path] | None = None, pipelines: Iterable[str | Path] = ()
) -> list[PlannedFile]:
    """Check a PO file against the files it names (found among the files of ``rulesets`` and
    ``pipelines`` (:func:`sources_of`), else by bundled id); the translation files to write.
    Raises :class:`TranslationError` (every problem in ``.errors``) and plans nothing on any
    problem."""
    name = str(path)
    po = _read_po(path)
    lang = (po.metadata.get("Language") or "").strip()
    listed = (po.metadata.get(LAYERS_HEADER) or "").split()
    if not lang or lang == "en" or not listed:
        raise TranslationError(
            f"not a carepath export: the header needs `Language` (not en) and `{LAYERS_HEADER}`",
            file=name,
            line=1,
        )
    known = {s.id: s for s in sources_of(rulesets, pipelines)} if rulesets is not None else None
    errors: list[TranslationError] = []
    layers: dict[str, TextSource] = {}
    for layer_id in listed:
        try:
            layers[layer_id] = known[layer_id] if known is not None else source_by_id(layer_id)
        except (KeyError, RuleSetError):
            errors.append(
                TranslationError(
                    f"{LAYERS_HEADER} names {layer_id[:80]!r}: no such rule file", file=name, line=1
                )
            )
    given: dict[str, dict[str, TranslatedText]] = {layer_id: {} for layer_id in layers}
    seen: set[str] = set()
    for entry in po:
        if entry.obsolete:
            continue
        context = entry.msgctxt or ""
        where = f"msgctxt {context[:120]!r}" if context else "an entry with no msgctxt"

        def refuse(message: str, entry: polib.POEntry = entry, where: str = where) -> None:
            errors.append(TranslationError(f"{where}: {message}", file=name, line=entry.linenum))

        layer_id, _, place = context.partition(":")
        if context in seen:
            refuse("given twice")
            continue
        seen.add(context)
        if layer_id not in layers:
            refuse(f"names a rule file the header does not list ({LAYERS_HEADER})")
            continue
        own = layers[layer_id].texts
        if place not in own:
            refuse("no such text in the rule file")
        elif entry.msgid_plural:
            refuse("plural forms are not used by carepath")
        elif entry.msgid != own[place]:
            refuse("its English (msgid) differs from the rule file's: export again and carry it over")
        elif entry.msgstr.strip() and placeholders(entry.msgstr) != placeholders(entry.msgid):
            refuse("the translation does not keep the placeholders of the English")
        elif entry.msgstr.strip():
            status: Status = "draft" if entry.fuzzy else "reviewed"
            note = entry.tcomment.strip() or None
            given[layer_id][place] = TranslatedText(entry.msgid, entry.msgstr, status, note)
    planned: list[PlannedFile] = []
    for layer_id, layer in layers.items():
        own = layer.texts
        for place in own:
            if f"{layer_id}:{place}" not in seen:
                errors.append(
                    TranslationError(
                        f"msgctxt '{layer_id}:{place}': missing from the PO file (lost)", file=name, line=1
                    )
                )
        try:
            fit, stale = fitting_translation(layer, lang)
        except RuleSetError as exc:
            errors.extend(
                TranslationError(e.message, file=e.file, line=e.line, field=e.field) for e in exc.errors
            )
            continue
        for place in [*(fit.texts if fit else {}), *(stale.texts if stale else {})]:
            if place in own and place not in given[layer_id] and f"{layer_id}:{place}" in seen:
                line = next((e.linenum for e in po if e.msgctxt == f"{layer_id}:{place}"), 1)
                errors.append(
                    TranslationError(
                        f"msgctxt '{layer_id}:{place}': the translation is empty but the files have one "
                        "(a translation is not removed by an import)",
                        file=name,
                        line=line,
                    )
                )
        if given[layer_id]:
            translation = Translation(
                str(translation_path(layer.file, lang)), layer_id, lang, given[layer_id]
            )
            text = dump_translation(translation, list(own))
            planned.append(PlannedFile(Path(translation.file), text, len(given[layer_id])))
    if errors:
        first = errors[0]
        first.errors = list(errors)
        raise first
    return planned


def _read_po(path: str | Path) -> polib.POFile:
    name = str(path)
    raw = read_bounded(Path(path), MAX_PO_BYTES, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TranslationError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    if "\x00" in text or "\n" not in text:
        raise TranslationError("not a PO file", file=name, line=1)
    try:
        return polib.pofile(text, wrapwidth=0)
    except (OSError, ValueError, UnicodeError) as exc:
        found = _SYNTAX_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise TranslationError("PO syntax error", file=name, line=line) from None


def write_planned(planned: Sequence[PlannedFile]) -> None:
    """Write the translation files (each atomically, creating their folders)."""
    for item in planned:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(item.path, item.text)
