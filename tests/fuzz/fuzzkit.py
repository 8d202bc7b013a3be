"""Helpers shared by the fuzz tests: the example budget, the planted value, a raw HTTP client."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

EXAMPLES = int(os.environ.get("CAREPATH_FUZZ_EXAMPLES", "25"))
"""Examples per property: small in CI; ``CAREPATH_FUZZ_EXAMPLES=5000`` for a long run."""

PLANTED = "Sopheap-7391"
"""A value planted in cases; it must never come back in an error, a log or a redacted answer."""


class Live:
    """The service on 127.0.0.1, called with raw bytes and headers."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str | None = "application/json",
    ) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None and content_type is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            status, headers, raw = exc.code, dict(exc.headers), exc.read()
        return status, headers, json.loads(raw) if raw else None


# -- generators shared by the hypothesis tests and benchmarks/fuzz.py --------------------------
# Each takes a random.Random (hypothesis' ``st.randoms()`` in the tests, a seeded Random in the
# long run), so that a failure is replayed from its saved input alone.

import datetime as dt  # noqa: E402
import random  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted(
    p
    for p in (ROOT / "rulesets").rglob("*.yaml")
    if not p.name.endswith((".test.yaml", ".invariants.yaml", ".population.yaml"))
)
WORDS = ["unknown", "declined", "yes", "no", "true", "", " ", PLANTED]
EDGE_DATES = [
    "0001-01-01",
    "1900-02-29",
    "2024-02-29",
    "9000-12-31",
    "9001-01-01",
    "9999-12-31",
    "2026-13-01",
]
EDGE_NUMBERS: list[Any] = [0, -1, 1, 2**31, 2**63, 10**400, 1e308, -1e308, 0.1, 1e-320, True, False]
CONTROL = ["\x00", "\x07", "\x1b", "\ud83d", "\U0001f642", "\u202e", "\ufeff", "\r"]


def scalar(rng: random.Random) -> Any:
    """One hostile scalar: edge numbers, dates and timestamps, answer words, odd characters."""
    pick = rng.randrange(9)
    if pick == 0:
        return rng.choice(EDGE_NUMBERS)
    if pick == 1:
        return rng.randint(-(10**6), 10**6)
    if pick == 2:
        return rng.choice(EDGE_DATES)
    if pick == 3:
        day = dt.date(rng.choice([1, 2024, 9000, 9999]), rng.randint(1, 12), rng.randint(1, 28))
        return day if rng.random() < 0.5 else dt.datetime.combine(day, dt.time(rng.randint(0, 23)))
    if pick == 4:
        return rng.choice(WORDS)
    if pick == 5:
        return "".join(rng.choice([*CONTROL, "a", "é", " "]) for _ in range(rng.randint(1, 6)))
    if pick == 6:
        return None
    if pick == 7:
        return rng.random() * 10 ** rng.randint(-5, 20)
    return PLANTED


def value_for(spec: Any, rng: random.Random, wild: float = 0.2) -> Any:
    """A value for a declared input: usually of its type (so that evaluation is reached), with
    probability ``wild`` of another type, out of range, or a word."""
    roll = rng.random()
    if roll < wild:
        return scalar(rng)
    if roll < wild * 1.25:
        return [scalar(rng) for _ in range(rng.randint(0, 3))]
    kind = spec.type
    if kind == "bool":
        return rng.choice([True, False, "unknown", "declined"])
    if kind in ("int", "number"):
        low = spec.min if spec.min is not None else -100
        high = spec.max if spec.max is not None else 100
        value = rng.uniform(low - 2 * wild, high + 2 * wild)
        return int(value) if kind == "int" and rng.random() < 0.9 else value
    if kind == "enum":
        return rng.choice([*spec.choice_values, "unknown"])
    if kind == "set":
        choices = list(spec.choice_values)
        return rng.sample(choices, rng.randint(0, len(choices)))
    if kind == "date":
        year = rng.choice([1990, 2020, 2025, 2026, 2027, 9000][: 6 if wild else 5])
        return dt.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
    return rng.choice([PLANTED, "a note", "x" * rng.randint(0, 2100 if wild else 1000)])


def answers(inputs: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Answers to a random subset of the inputs, now and then with an unknown key."""
    names = sorted(inputs)
    chosen = rng.sample(names, rng.randint(0, len(names)))
    wild = rng.choice([0.0, 0.0, 0.01, 0.2])  # half the cases well-formed, to reach evaluation
    found: dict[Any, Any] = {name: value_for(inputs[name], rng, wild) for name in chosen}
    if rng.random() < wild / 2:
        found[rng.choice([PLANTED, "agee", "\U0001f642", "", "__proto__"])] = scalar(rng)
    return found


def visit(rng: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {"date": rng.choice([*EDGE_DATES[2:5], "2026-01-05", "2026-06-01"])}
    data["contact_made"] = rng.choice([True, False, None, "yes"])
    if rng.random() < 0.3:
        data["measures"] = {rng.choice(["wp_wellbeing", "aht_safety", PLANTED]): rng.choice([1, 2, 3, "x"])}
    if rng.random() < 0.2:
        data["warning_signs"] = rng.sample(["land_sold", "new_debt", PLANTED], rng.randint(0, 2))
    if rng.random() < 0.1:
        data["declined"] = rng.choice(["visit", "follow_up", PLANTED])
    if rng.random() < 0.1:
        data["changes"] = PLANTED
    return data


def case(inputs: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A whole case file's data: flat answers, {answers}, or dated contacts; with visits at times."""
    shape = rng.randrange(3)
    if shape == 0:
        data: dict[str, Any] = answers(inputs, rng)
    elif shape == 1:
        data = {"case_id": rng.choice(["c1", PLANTED]), "answers": answers(inputs, rng)}
    else:
        contacts = []
        for i in range(rng.randint(1, 4)):
            contact: dict[str, Any] = {"answers": answers(inputs, rng)}
            if rng.random() < 0.7:
                contact["date"] = rng.choice(
                    [*EDGE_DATES, dt.date(2024, 1, i + 1), dt.datetime(2024, 1, 1, 9)]
                )
            if rng.random() < 0.5:
                contact["id"] = rng.choice([f"interview {i}", PLANTED])
            contacts.append(contact)
        data = {"contacts": contacts}
    if (rng.random() < 0.25 and "contacts" not in data) or rng.random() < 0.1:
        data["visits"] = [visit(rng) for _ in range(rng.randint(0, 3))]
    return data


def mutate(text: str, rng: random.Random) -> str:
    """A bundled rule file, damaged the ways careless edits and hostile files damage it."""
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 3)):
        if not lines:
            lines = [""]
        i = rng.randrange(len(lines))
        pick = rng.randrange(10)
        if pick == 0:
            del lines[i]
        elif pick == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif pick == 2:
            at = rng.randrange(len(lines[i]) + 1)
            lines[i] = (
                lines[i][:at]
                + rng.choice(
                    [*CONTROL, ":", "-", "{", "[", "&a", "*a", "!!python/object", "'", '"', "  ", "\t"]
                )
                + lines[i][at:]
            )
        elif pick == 3:
            key, sep, _ = lines[i].partition(": ")
            if sep:
                token = scalar(rng)
                shown = token.isoformat() if isinstance(token, dt.date) else json.dumps(token, default=str)
                lines[i] = f"{key}: {shown}\n"
        elif pick == 4:
            lines[i] = (
                lines[i]
                .replace("days", rng.choice(["years", "weeks", "days"]))
                .replace("1", rng.choice(["100000000", "1e400", "-1", ".nan"]))
            )
        elif pick == 5:
            lines = lines[: rng.randrange(len(lines) + 1)]  # truncated
        elif pick == 6:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif pick == 7:
            lines[i] = "  " + lines[i] if rng.random() < 0.5 else lines[i].lstrip()
        elif pick == 8:
            lines[i] = (
                lines[i].replace("param:", "ref:")
                if "param:" in lines[i]
                else lines[i].replace("true", "false")
            )
        else:
            lines.insert(i, "x: &a [" + ",".join(["*a"] * rng.randint(1, 3)) + "]\n")
    return "".join(lines)


# -- what is checked on every input ---------------------------------------------------------------


class Finding(Exception):
    """An input that broke the rule: an untyped error, a leaked planted value, or a hang."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def untyped(exc: BaseException) -> Finding:
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
    return Finding("untyped", f"{type(exc).__name__}{where}")


def check_message(text: str, where: str) -> None:
    if PLANTED in text:
        raise Finding("leak", where)


def load_rule_text(text: str, name: str, folder: Path) -> None:
    """Load a (mutated) rule file written beside copies of its siblings: a typed, located error
    or a rule set, nothing else."""
    import carepath
    from carepath.errors import CarepathError

    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        rules = carepath.load(path)
        rules.evaluate({}, as_of=dt.date(2026, 11, 23))
    except CarepathError as exc:
        if not getattr(exc, "file", None) and "<" not in str(exc):
            raise Finding("unlocated", type(exc).__name__) from None
    except RecursionError as exc:
        raise untyped(exc) from None
    except Exception as exc:
        raise untyped(exc) from None


_SUBJECTS: dict[str, Any] = {}


def subject(name: str) -> Any:
    """A bundled rule set or pipeline, loaded once."""
    import carepath

    if name not in _SUBJECTS:
        _SUBJECTS[name] = carepath.load_pipeline(name) if name in PIPELINES else carepath.load(name)
    return _SUBJECTS[name]


PIPELINES = ("intl/care_path", "intl/follow_up")


def subjects() -> list[str]:
    from carepath.rules.registry import bundled_ids

    return [*PIPELINES, *bundled_ids()]


def inputs_of(name: str) -> dict[str, Any]:
    return dict(subject(name).inputs)


def run_case(name: str, data: Any, as_of: dt.date = dt.date(2026, 11, 23)) -> str:
    """Read ``data`` as a case file and run it through ``name``, tracing and rendering every
    format redacted: "ok" or "typed" (a CarepathError without the planted value), else a Finding."""
    from carepath import report
    from carepath.cases import case_from_data
    from carepath.errors import CarepathError

    where = "redacted output"
    planted_outside_values = PLANTED in json.dumps(
        [data.get("case_id"), [c.get("id") for c in data.get("contacts", []) if isinstance(c, dict)]]
        if isinstance(data, dict) and isinstance(data.get("contacts", []), list)
        else None,
        default=str,
    )
    try:
        target = subject(name)
        case = case_from_data(data, "case")
        if name in PIPELINES:
            result = target.assess(case, as_of=as_of, trace=True, redact=True)
            texts = [result.to_json(redact=True), report.assessment_text(result, target, redact=True)]
        else:
            answers = target.check(case.on(as_of, target.inputs))
            result = target.evaluate(answers, as_of=as_of, trace=True)
            texts = [report.json_text(result, redact=True), report.text(result, target, redact=True)]
    except CarepathError as exc:
        check_message(str(exc), f"error message {type(exc).__name__}")
        return "typed"
    except Exception as exc:
        raise untyped(exc) from None
    if not planted_outside_values:
        for text in texts:
            check_message(text, where)
    return "ok"


def run_cli(args: list[str], stdin: str = "") -> str:
    """One command line, in process: exit 0, or 1 / 2 with no traceback and no planted value (3:
    done, but some rows or cases that could not be read were skipped: ``assess`` of many cases,
    ``import-submissions``)."""
    from click.testing import CliRunner

    from carepath.cli import main

    result = CliRunner().invoke(main, args, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise untyped(result.exception)
    if "Traceback" in result.output or "Traceback" in result.stderr:
        raise Finding("untyped", "a traceback was printed")
    if result.exit_code not in (0, 1, 2, 3):
        raise Finding("untyped", f"exit code {result.exit_code}")
    check_message(result.stderr, "command-line error")
    return "ok" if result.exit_code == 0 else "typed"


def case_text(inputs: dict[str, Any], rng: random.Random) -> bytes:
    """A case file's bytes: YAML or JSON of :func:`case`, now and then damaged."""
    data = case(inputs, rng)
    if rng.random() < 0.5:
        text = json.dumps(data, default=str, ensure_ascii=rng.random() < 0.5)
    else:
        import yaml

        text = yaml.safe_dump(json.loads(json.dumps(data, default=str)), allow_unicode=True)
    raw = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.3:
        at = rng.randrange(len(raw) + 1)
        raw = (
            raw[:at] + rng.choice([b"\x07", b"\xff", b"\x00", b"\\ud83d", b"{", b"\n  - ", b": :"]) + raw[at:]
        )
    return raw


def cli_args(rng: random.Random, folder: Path) -> tuple[list[str], str]:
    """A command line, careless or hostile: bad paths, formats, options and outputs."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    target = rng.choice(subjects())
    inputs = inputs_of(target)
    good = folder / "case.json"
    good.write_bytes(case_text(inputs, rng))
    lines = folder / "cases.jsonl"
    lines.write_bytes(
        b"\n".join(json.dumps(case(inputs, rng), default=str).encode() for _ in range(rng.randint(0, 3)))
        + rng.choice([b"", b"\n\xff\n", b'\n{"a": 1, "a": 2}\n', b"\n[1]\n"])
    )
    fifo = folder / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    csv = folder / "export.csv"
    csv.write_text(
        rng.choice(["consent,age\nyes,16\n", 'consent,age\nyes,"16\n', "a;b\n1;2;3\n", ""]), "utf-8"
    )
    path = rng.choice([str(good)] * 6 + [str(fifo), str(folder), str(folder / "missing.yaml"), "/dev/zero"])
    out = rng.choice([str(folder / "out"), str(folder / "no" / "out"), str(folder)])
    as_of = rng.choice(["2026-11-23", "9000-12-31", "9999-12-31", "2026-02-30", "x"])
    single = [n for n in subjects() if n not in PIPELINES]
    pick = rng.randrange(11)
    stdin = ""
    if pick == 0:
        fmt = rng.choice(["text", "json", "markdown", "html", "xml"])
        args = ["assess", path, "--format", fmt, "--as-of", as_of]
        if target not in PIPELINES:
            args += ["-r", target]
        args += rng.sample(["--redact", "--no-trace"], rng.randint(0, 2))
    elif pick == 1:
        args = ["picture", "--case", path, "--as-of", as_of, "--format", rng.choice(["mermaid", "dot"])]
        if target not in PIPELINES:
            args += ["-r", target]
    elif pick == 2:
        args = ["followup", path, "--as-of", as_of, "--format", rng.choice(["text", "json", "markdown"])]
    elif pick == 3:
        args = ["caseload", rng.choice([str(lines), str(folder), path]), "--as-of", as_of, "--workers", "1"]
    elif pick == 4:
        rid = rng.choice(single)
        args = ["diff", rid, rid, "--cases", rng.choice([str(lines), path]), "--as-of", as_of]
        args += rng.choice([[], ["-o", out], ["--workers", rng.choice(["-1", "0", "1", "65"])]])
        args += rng.choice(
            [
                [],
                [
                    "--set",
                    f"{rng.choice(['x', 'child_age_limit'])}={rng.choice(['1', '1e400', '[1]', '&a'])}",
                ],
            ]
        )
    elif pick == 5:
        args = ["synth", "-r", rng.choice(single), "--n", rng.choice(["3", "0", "-5", "x"]), "--seed", "1"]
        args += rng.choice([[], ["-o", out]])
    elif pick == 6:
        args = ["export", "xlsform", rng.choice(single), "-o", out]
    elif pick == 7:
        args = ["import-submissions", rng.choice([str(csv), path]), "-r", rng.choice(single)]
    elif pick == 8:
        args = [
            "schema",
            *rng.choice([["--input", target], ["-r", rng.choice([*single, "no/such"])], ["--pipeline"]]),
        ]
    elif pick == 9:
        args = ["interview", "-r", rng.choice(single), "--case", path, "--as-of", as_of]
        args += rng.choice([[], ["--save", out]])
        stdin = "\n".join(
            rng.choice(["yes", "no", "12", "unknown", "back", "x", "\U0001f642", "99999999999"])
            for _ in range(5)
        )
    else:
        args = ["validate", rng.choice([path, str(folder)])]
    return args, stdin


# -- regression cases: every failure the long run finds, replayed by test_fuzz_regressions.py -------

REGRESSIONS = Path(__file__).resolve().parent / "regressions"


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$map": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, int) and abs(value) > 2**53:
        return {"$int": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$int" in value:
            return int(value["$int"])
        if "$map" in value:
            return {_decode(k): _decode(v) for k, v in value["$map"]}
    return value


def save_regression(kind: str, finding: Finding, **data: Any) -> Path:
    """Write one failing input as ``regressions/<kind>-<hash>.json`` (its name is its content)."""
    import hashlib

    REGRESSIONS.mkdir(exist_ok=True)
    record = {"kind": kind, "found": f"{finding.kind}: {finding.detail}"}
    record.update({key: _encode(value) for key, value in data.items()})
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    path = (
        REGRESSIONS / f"{kind}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.json"
    )
    path.write_text(text, encoding="utf-8")
    return path


def replay(path: Path, folder: Path) -> str:
    """Run one saved regression case again; raises :class:`Finding` if it still fails."""
    record = json.loads(path.read_text(encoding="utf-8"))
    kind = record["kind"]
    if kind == "case":
        return run_case(record["target"], _decode(record["input"]))
    if kind == "rules":
        import shutil

        copy = folder / "rulesets"
        if not copy.exists():
            shutil.copytree(ROOT / "rulesets", copy)
        load_rule_text(record["text"], record["file"], copy)
        shutil.copyfile(ROOT / "rulesets" / record["file"], copy / record["file"])
        return "ok"
    if kind == "cli":
        args, stdin = cli_args(random.Random(record["seed"]), folder)
        return run_cli(args, stdin)
    raise ValueError(f"unknown regression kind {kind!r}")
