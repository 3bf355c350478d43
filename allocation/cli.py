"""Command line: ``python -m allocation solve PROBLEM.json [-o RESULT.json] [--lang zh|en]``.

Exit codes: 0 solved; 2 the input is invalid (one ``path: message`` line per
fault on stderr) or a file cannot be read or written; 3 an internal error (a
bug: please report the input file).
No traceback is ever printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from .api import gc_paused
from .explain import LANGUAGES
from .parallel import solve_text
from .validate import ProblemError, load_problem_json

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_INTERNAL = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m allocation",
        description="Allocate rural road public-welfare posts: strict priority tiers, person-post fit, reasons.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    solve_cmd = commands.add_parser(
        "solve",
        help="solve a problem file and write the result",
        description="Read PROBLEM.json (stdin when omitted or '-'), write the result JSON "
        "(stdout when -o is omitted or '-').  Invalid input exits with status 2 and "
        "prints one 'path: message' line per fault.",
    )
    solve_cmd.add_argument("problem", nargs="?", default="-", help="problem JSON file (default: stdin)")
    solve_cmd.add_argument("-o", "--output", default="-", help="result JSON file (default: stdout)")
    solve_cmd.add_argument("--lang", choices=LANGUAGES, default="zh", help="language of the reasons (default: zh)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.problem == "-":
            text = sys.stdin.buffer.read()
        else:
            try:
                with open(args.problem, "rb") as handle:
                    text = handle.read()
            except OSError as exc:
                print(f"{args.problem}: cannot read the problem file: {exc.strerror}", file=sys.stderr)
                return EXIT_INVALID
        if args.output != "-":
            # Said before solving: a province takes seconds, and the answer
            # would be lost anyway.
            fault = _unwritable(args.output)
            if fault:
                print(f"{args.output}: cannot write the result file: {fault}", file=sys.stderr)
                return EXIT_INVALID
        with gc_paused():
            try:
                problem = load_problem_json(text)
            except ProblemError as exc:
                for line in exc.errors:
                    print(line, file=sys.stderr)
                return EXIT_INVALID
            data = solve_text(problem, lang=args.lang).encode("utf-8")
        if args.output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            try:
                _write_atomically(args.output, data)
            except OSError as exc:  # the disk filled up, or the folder went away meanwhile
                print(f"{args.output}: cannot write the result file: {exc.strerror or exc}", file=sys.stderr)
                return EXIT_INVALID
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the contract is: never a traceback
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


def _unwritable(path: str) -> str | None:
    """Say why a result could not be written to ``path``, or None when it can."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "it is a folder"
    if not os.path.isdir(directory):
        return f"no such folder {directory}"
    if not os.access(directory, os.W_OK):
        return f"no permission to write in {directory}"
    return None


def _write_atomically(path: str, data: bytes) -> None:
    # A half-written result file must never be mistaken for a decision.
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".allocation-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
