"""The long fuzz run, on demand: rule files, cases, command lines and HTTP requests.

    python benchmarks/fuzz.py --inputs 100000 --seed 1
    nice -n 10 python benchmarks/fuzz.py --inputs 100000   # beside other work

It uses the generators of the fuzz tests (``tests/fuzz/fuzzkit.py``) with a seeded random source,
and prints the inputs tried, the untyped errors (anything carepath raises that is not a
``CarepathError``, a traceback, a 500), the hangs (an input over 5 s) and the leaked planted
values (in an error message, a log record or a redacted output). Every failure is saved as a
regression case under ``tests/fuzz/regressions/``, which ``test_fuzz_regressions.py`` replays.
Exit status 1 if anything was found.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import random
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import fuzzkit  # noqa: E402

HANG_SECONDS = 5.0
"""CPU seconds (of the whole process, the service's thread included) after which an input hangs."""
BLOCKED_SECONDS = 30.0
"""Wall seconds after which an input that waits without computing (a pipe, a lock) hangs."""
SAVE_PER_CLASS = 3
"""Regression cases saved per class of failure (kind, error type and place): a class found a
thousand times is three files, not a thousand."""
KINDS = {"case": 80, "rules": 5, "cli": 7, "http": 8}
"""Relative weights: cases are cheap and the widest surface; rule files and commands are slower."""


class Hang(BaseException):
    """An input ran over the time limit (a BaseException: no ``except Exception`` swallows it)."""


class Records(logging.Handler):
    """Keeps every log record's text, to look for the planted value."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def _stop_timers() -> None:
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


def _server() -> tuple[fuzzkit.Live, Any]:
    import uvicorn

    from carepath.serve import api as server

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = server.config(server.create_app(), "127.0.0.1", port, log_config=None, log_level="warning")
    uv = uvicorn.Server(config)
    threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not uv.started:
        time.sleep(0.02)
    return fuzzkit.Live(f"http://127.0.0.1:{port}"), uv


def _http(live: fuzzkit.Live, name: str, data: Any, rng: random.Random) -> str:
    body = json.dumps(data, default=str).encode()
    if rng.random() < 0.3:
        at = rng.randrange(len(body) + 1)
        body = body[:at] + rng.choice([b"\xff", b'"\\udc00"', b"", b"\x00", b"[" * 100]) + body[at:]
    pipeline = name in fuzzkit.PIPELINES
    path = f"/assess?pipeline={name}&redact=true" if pipeline else f"/rulesets/{name}/evaluate?redact=true"
    status, _, answer = live.call("POST", path, body)
    if status >= 500:
        raise fuzzkit.Finding("untyped", f"HTTP {status}")
    if status >= 400:
        fuzzkit.check_message(json.dumps(answer), "HTTP error answer")
        return "typed"
    return "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="How many inputs to try.")
    parser.add_argument("--seed", type=int, default=1, help="The same seed tries the same inputs.")
    parser.add_argument("--no-save", action="store_true", help="Do not save failures as regression cases.")
    args = parser.parse_args(argv)

    records = Records()
    logging.getLogger().addHandler(records)
    logging.getLogger().setLevel(logging.DEBUG)
    for noisy in ("hypothesis", "urllib3", "asyncio", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGPROF, _alarm)
    stopped = threading.Event()
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda _signum, _frame: stopped.set())
    live, uv = _server()
    rng = random.Random(args.seed)
    names = fuzzkit.subjects()
    for name in names:  # loading is not what is timed: load each subject here and in the service
        fuzzkit.subject(name)
        _http(live, name, {}, random.Random(0))
    originals = {p: p.read_text(encoding="utf-8") for p in fuzzkit.RULE_FILES}
    counts: collections.Counter[str] = collections.Counter()
    found: collections.Counter[str] = collections.Counter()
    saved: list[Path] = []
    classes: collections.Counter[str] = collections.Counter()
    kinds, weights = zip(*KINDS.items(), strict=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        copy = folder / "rulesets"
        import shutil

        shutil.copytree(ROOT / "rulesets", copy)
        tried = 0
        for number in range(args.inputs):
            if stopped.is_set():  # Ctrl-C or SIGTERM: stop here and print the figures so far
                break
            tried = number + 1
            kind = rng.choices(kinds, weights)[0]
            seed = rng.getrandbits(48)
            local = random.Random(seed)
            record: dict[str, Any] = {}
            before = len(records.texts)
            signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)
            signal.setitimer(signal.ITIMER_REAL, BLOCKED_SECONDS)
            try:
                if kind == "case":
                    name = local.choice(names)
                    data = fuzzkit.case(fuzzkit.inputs_of(name), local)
                    record = {"target": name, "input": data}
                    outcome = fuzzkit.run_case(name, data)
                elif kind == "rules":
                    original = local.choice(fuzzkit.RULE_FILES)
                    relative = str(original.relative_to(ROOT / "rulesets"))
                    text = fuzzkit.mutate(originals[original], local)
                    record = {"file": relative, "text": text}
                    try:
                        fuzzkit.load_rule_text(text, relative, copy)
                    finally:
                        (copy / relative).write_text(originals[original], encoding="utf-8")
                    outcome = "done"
                elif kind == "cli":
                    record = {"seed": seed}
                    cli, stdin = fuzzkit.cli_args(local, folder / "cli")
                    outcome = fuzzkit.run_cli(cli, stdin)
                else:
                    name = local.choice(names)
                    data = fuzzkit.case(fuzzkit.inputs_of(name), local)
                    record = {"target": name, "input": data}
                    outcome = _http(live, name, data, local)
                    kind = "case"  # replayed in process: the same reading and checks
                _stop_timers()
                for text in records.texts[before:]:
                    fuzzkit.check_message(text, "log record")
                counts[outcome] += 1
            except fuzzkit.Finding as finding:
                _stop_timers()
                found[finding.kind] += 1
                counts[finding.kind] += 1
                print(f"input {number} ({kind}): {finding}", file=sys.stderr)
                classes[str(finding)] += 1
                if not args.no_save and classes[str(finding)] <= SAVE_PER_CLASS:
                    saved.append(fuzzkit.save_regression(kind, finding, **record))
            except Hang:
                _stop_timers()
                found["hang"] += 1
                counts["hang"] += 1
                finding = fuzzkit.Finding(
                    "hang", f"over {HANG_SECONDS} s of CPU or {BLOCKED_SECONDS} s waiting"
                )
                print(f"input {number} ({kind}): {finding}", file=sys.stderr)
                classes[str(finding)] += 1
                if not args.no_save and classes[str(finding)] <= SAVE_PER_CLASS:
                    saved.append(fuzzkit.save_regression(kind, finding, **record))
            del records.texts[:]
            if (number + 1) % 5000 == 0:
                rate = (number + 1) / (time.monotonic() - started)
                print(f"{number + 1} inputs, {dict(found)} found, {rate:.0f}/s", file=sys.stderr, flush=True)
    uv.should_exit = True
    elapsed = time.monotonic() - started
    print(f"inputs tried:          {tried} in {elapsed:.0f} s (seed {args.seed})")
    print(f"  outcomes:            {dict(sorted(counts.items()))}")
    print(f"untyped errors:        {found['untyped'] + found['unlocated']}")
    print(f"hangs over {HANG_SECONDS:.0f} s:        {found['hang']}")
    print(f"leaked planted values: {found['leak']}")
    for name, count in classes.most_common():
        print(f"  {count:6d}  {name}")
    if saved:
        print(f"saved as regression cases: {len(set(saved))} under {fuzzkit.REGRESSIONS.relative_to(ROOT)}")
    return 1 if sum(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
