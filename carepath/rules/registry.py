"""Where rule sets live: bundled ids (``intl/palermo``) and paths.

The path is the id, as in OpenFisca: ``rulesets/kh/palermo.yaml`` is ``kh/palermo``. Bundled
rule sets ship inside the wheel as ``carepath/rulesets``; in a source checkout they are read
from the top-level ``rulesets/`` folder.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from carepath.errors import RuleSetNotFoundError

__all__ = [
    "INVARIANT_SUFFIX",
    "PIPELINE_SUFFIX",
    "bundled_ids",
    "bundled_pipelines",
    "bundled_root",
    "resolve",
    "resolve_pipeline",
    "ruleset_id",
]

RULE_SUFFIXES = (".yaml", ".yml")
TEST_SUFFIX = ".test.yaml"
PIPELINE_SUFFIX = ".pipeline.yaml"
INVARIANT_SUFFIX = ".invariants.yaml"


def bundled_root() -> Path:
    """The folder that holds the bundled rule sets."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "rulesets"
    if packaged.is_dir():
        return packaged
    return here.parent / "rulesets"


def is_rule_file(path: Path) -> bool:
    """A YAML rule file (not a test, case or invariant file)."""
    name = path.name
    return name.endswith(RULE_SUFFIXES) and name.count(".") == 1


def bundled_ids() -> list[str]:
    """Every bundled rule set id, sorted."""
    root = bundled_root()
    if not root.is_dir():
        return []
    return sorted(ruleset_id(p, root) for p in root.rglob("*") if p.is_file() and is_rule_file(p))


def ruleset_id(path: Path, root: Path | None = None) -> str:
    """The id of a rule file: its path under the rule-set root, without the suffix."""
    root = root or _tree_root(path) or bundled_root()
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        return path.stem
    return rel.with_suffix("").as_posix()


def resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """Find a rule file by bundled id, by path, or by path relative to another rule file."""
    text = str(name_or_path)
    candidates: list[Path] = []
    as_path = Path(text)
    if text.endswith(RULE_SUFFIXES):
        # a path inside a rule file is relative to that file, never to the current folder
        if relative_to is not None and not as_path.is_absolute():
            candidates.append(relative_to.parent / as_path)
        else:
            candidates.append(as_path)
    else:
        if relative_to is not None:
            root = _tree_root(relative_to)
            if root is not None:
                candidates.extend(root / f"{text}{s}" for s in RULE_SUFFIXES)
        candidates.extend(bundled_root() / f"{text}{s}" for s in RULE_SUFFIXES)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    close = difflib.get_close_matches(text, bundled_ids(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise RuleSetNotFoundError(f"no rule set {text!r} (neither a bundled id nor a file){hint}", file=text)


def _tree_root(path: Path) -> Path | None:
    """The nearest ancestor folder named ``rulesets``, if any."""
    for parent in path.resolve().parents:
        if parent.name == "rulesets":
            return parent
    return None


def bundled_pipelines() -> list[str]:
    """Every bundled pipeline id (``intl/care_path`` for ``intl/care_path.pipeline.yaml``), sorted."""
    root = bundled_root()
    if not root.is_dir():
        return []
    found = (p for p in root.rglob(f"*{PIPELINE_SUFFIX}") if p.is_file())
    return sorted(p.relative_to(root).as_posix()[: -len(PIPELINE_SUFFIX)] for p in found)


def resolve_pipeline(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """Find a pipeline file by bundled id, by path, or by path relative to another pipeline."""
    text = str(name_or_path)
    candidates: list[Path] = []
    if text.endswith(RULE_SUFFIXES):
        if relative_to is not None and not Path(text).is_absolute():
            candidates.append(relative_to.parent / text)
        candidates.append(Path(text))
    else:
        if relative_to is not None and (root := _tree_root(relative_to)) is not None:
            candidates.append(root / f"{text}{PIPELINE_SUFFIX}")
        candidates.append(bundled_root() / f"{text}{PIPELINE_SUFFIX}")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    close = difflib.get_close_matches(text, bundled_pipelines(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise RuleSetNotFoundError(f"no pipeline {text!r} (neither a bundled id nor a file){hint}", file=text)
