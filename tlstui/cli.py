"""Command line: ``tlstui CAPTURE`` opens the TUI; ``--json`` and ``--report`` print instead.

Exit status: 0 when the capture was analysed (even if every handshake failed), 2 for a usage
error or input that cannot be read as a capture (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tlstui import __version__
from tlstui.textsafe import safe_text

if TYPE_CHECKING:
    from tlstui.analysis.model import Report


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tlstui",
        description="Explain failed TLS handshakes in a packet capture (pcap/pcapng).",
        epilog="Without --json or --report, opens the terminal UI. Press ? there for keys.",
    )
    p.add_argument(
        "capture",
        nargs="+",
        help="capture file (pcap or pcapng, optionally gzipped); - reads stdin; several files "
        "or a directory (rotated tcpdump -C/-G files) are read as one report",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the JSON report and exit")
    out.add_argument("--report", action="store_true", help="print a readable report and exit")
    out.add_argument(
        "--jsonl",
        action="store_true",
        help="print each session as one JSON line when its connection ends, then the capture",
    )
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep reading CAPTURE as it grows (like tail -f) until q or Ctrl+C",
    )
    p.add_argument(
        "--failed",
        action="store_true",
        help="only failed and incomplete sessions (--report, and the TUI starts with them)",
    )
    p.add_argument(
        "--keylog",
        type=Path,
        action="append",
        metavar="FILE",
        help=(
            "TLS key log (SSLKEYLOGFILE format), may be repeated; default: NAME.keys, "
            "NAME.keylog or CAPTURE.keylog beside the capture, and $SSLKEYLOGFILE"
        ),
    )
    p.add_argument(
        "--no-keylog", action="store_true", help="ignore key logs (beside the capture or inside it)"
    )
    p.add_argument(
        "--extract",
        type=int,
        metavar="ID",
        help="write session ID's packets (and only its key log lines) to the -o file as pcapng",
    )
    p.add_argument("-o", "--output", type=Path, metavar="OUT", help="with --extract: the file")
    p.add_argument("--version", action="version", version=f"tlstui {__version__}")
    _compare_options(p)
    return p


def _tui_refusal(captures: list[str]) -> str:
    """Why the TUI cannot run here ("" when it can): it needs a terminal on both ends, and
    without one it would wait for keys that never come (or draw into a pipe) forever."""
    if captures != ["-"] and not sys.stdin.isatty():
        # With "-" stdin is the capture and the keys come from /dev/tty (see _tui).
        return "the TUI needs a terminal, but stdin is not one"
    if not sys.stdout.isatty():
        return "the TUI needs a terminal, but stdout is not one"
    return ""


# --- session comparison -----------------------------------------------------------------------


def _compare_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--diff",
        nargs="+",
        metavar="ID",
        help="compare session A with B (ids as in --json); without B, with A's automatic "
        "partner (the most similar successful session); text, or JSON with --json",
    )


def _print_diff(report: Report, args: argparse.Namespace) -> int:
    from tlstui.output.compare_text import diff_command

    code, text = diff_command(report, args.diff, as_json=args.json)
    if code:
        print(f"tlstui: {text}", file=sys.stderr)
        return code
    sys.stdout.write(text + "\n")
    return 0


# --- main -------------------------------------------------------------------------------------


def _several(args: argparse.Namespace) -> bool:
    """More than one capture, or a directory of them: the multi-capture layer reads them."""
    return len(args.capture) > 1 or any(c != "-" and os.path.isdir(c) for c in args.capture)


def _analyze_several(args: argparse.Namespace) -> Report | None:
    """Read several captures: one stderr line per unreadable one; exit 2 only if none was."""
    from tlstui.analysis.multi import analyze_many

    loaded = analyze_many(args.capture, keylog=args.keylog)
    for line in loaded.errors:
        print(f"tlstui: {safe_text(line, 2000)}", file=sys.stderr)
    return loaded.report


def _several_for_ui(paths: list[str]) -> Callable[..., Report]:
    """The TUI's analyze function over several captures (errors become report warnings)."""

    def run(
        _path: object,
        *,
        keylog: Path | bool | None = None,
        progress: Callable[..., None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Report:
        from tlstui.analysis.engine import CaptureError
        from tlstui.analysis.multi import analyze_many

        loaded = analyze_many(paths, keylog=keylog, progress=progress, should_stop=should_stop)
        if loaded.report is None:
            raise CaptureError("; ".join(loaded.errors) or "no capture could be read")
        loaded.report.capture.warnings[:0] = loaded.errors
        return loaded.report

    return run


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    several = _several(args)
    if args.no_keylog:
        args.keylog = False
    if args.json and args.failed and not args.diff:
        print(
            "tlstui: --failed does not apply to --json (filter the sessions by status instead)",
            file=sys.stderr,
        )
        return 2
    for keylog in args.keylog or []:
        # Checked before anything starts (the TUI too): a typo in --keylog must not quietly
        # turn a decrypted answer into a "likely" one.
        try:
            with open(keylog, "rb"):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            print(
                f"tlstui: {safe_text(str(keylog), 2000)}: cannot read the key log: {reason}",
                file=sys.stderr,
            )
            return 2
    if several and isinstance(args.keylog, list):
        # The several-captures reader takes one key log for all of them.
        if len(args.keylog) > 1:
            print("tlstui: with several captures, give one --keylog", file=sys.stderr)
            return 2
        args.keylog = args.keylog[0]
    if (args.extract is not None or args.jsonl or args.follow) and several:
        print("tlstui: --extract, --jsonl and --follow read one capture", file=sys.stderr)
        return 2
    if args.extract is not None:
        return _extract(args)
    if args.jsonl:
        return _jsonl(args)
    if not (args.json or args.report or args.diff):
        refusal = _tui_refusal(args.capture)
        if refusal:
            print(f"tlstui: {refusal}; use --report or --json", file=sys.stderr)
            return 2
        if several:
            if "-" in args.capture:
                print("tlstui: - (stdin) cannot be one of several captures", file=sys.stderr)
                return 2
            from tlstui.ui.app import make_app

            app = make_app(
                args.capture[0],
                keylog=args.keylog,
                analyze=_several_for_ui(args.capture),
                failed_only=args.failed,
            )
            app.run()
            return int(getattr(app, "return_code", 0) or 0)
        return _tui(args)

    from tlstui.analysis.engine import CaptureError, analyze

    # A one-shot run: the report is built once and printed; the cyclic GC would only rescan
    # the millions of long-lived objects of a large capture (seconds, for nothing).
    # It stays off through the output too: scan() re-enables it only if it found it on.
    gc.disable()

    stop = _StopOnInterrupt() if args.follow else None
    try:
        if several:
            report = _analyze_several(args)
            if report is None:
                return 2
        else:
            report = analyze(
                args.capture[0], keylog=args.keylog, follow=args.follow, should_stop=stop
            )
    except CaptureError as exc:
        # Through safe_text: the message names the path, which may hold a newline or an
        # escape sequence; the spec promises one line, and a terminal must not act on it.
        print(f"tlstui: {safe_text(str(exc), 2000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    for warning in report.capture.warnings:
        print(f"tlstui: warning: {safe_text(warning, 2000)}", file=sys.stderr)
    try:
        if args.diff:
            return _print_diff(report, args)
        if args.json:
            from tlstui.output.json_report import write_json

            write_json(report, sys.stdout, indent=2 if sys.stdout.isatty() else None)
        else:
            from tlstui.output.text_report import print_report

            print_report(report, failed_only=args.failed)
        sys.stdout.flush()
    except BrokenPipeError:
        # `tlstui cap --json | head` is fine: stop quietly.
        sys.stdout = None
    return 0


class _StopOnInterrupt:
    """For a followed or piped capture: the first Ctrl+C ends the reading cleanly (open
    sessions are finished and reported); a second one interrupts as usual."""

    def __init__(self) -> None:
        import signal

        self.requested = False
        self._previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        import signal

        if self.requested:
            signal.signal(signal.SIGINT, self._previous)
            raise KeyboardInterrupt
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


def _tui(args: argparse.Namespace) -> int:
    """The TUI; for ``-`` the capture stays on a new descriptor and the keyboard is read from
    the terminal (``tcpdump -U -w - | tlstui -``)."""
    stdin_fd = None
    if args.capture[0] == "-":
        try:
            tty = os.open("/dev/tty", os.O_RDWR)
        except OSError:
            print(
                "tlstui: the TUI needs a terminal for its keys (/dev/tty) when the capture "
                "comes from stdin; use --jsonl, --json or --report",
                file=sys.stderr,
            )
            return 2
        stdin_fd = os.dup(0)
        os.dup2(tty, 0)
        os.close(tty)
    from tlstui.ui.app import make_app

    app = make_app(
        args.capture[0],
        keylog=args.keylog,
        failed_only=args.failed,
        follow=args.follow,
        stdin_fd=stdin_fd,
    )
    app.run()
    return int(getattr(app, "return_code", 0) or 0)


def _jsonl(args: argparse.Namespace) -> int:
    """``--jsonl``: sessions as they end, one JSON object per line, then the capture line."""
    from tlstui.analysis.engine import CaptureError
    from tlstui.output.jsonl import write_jsonl

    gc.disable()
    live = args.follow or args.capture[0] == "-"
    stop = _StopOnInterrupt() if live else None
    try:
        report = write_jsonl(
            args.capture[0], sys.stdout, keylog=args.keylog, follow=args.follow, should_stop=stop
        )
    except CaptureError as exc:
        print(f"tlstui: {safe_text(str(exc), 2000)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stdout = None
        return 0
    except KeyboardInterrupt:
        return 130
    for warning in report.capture.warnings:
        print(f"tlstui: warning: {safe_text(warning, 2000)}", file=sys.stderr)
    return 0


def _extract(args: argparse.Namespace) -> int:
    """``--extract ID -o OUT``: save one session as pcapng; one line on stdout, or exit 2."""
    from tlstui.analysis.extract import extract_by_id
    from tlstui.wire.capture import CaptureError

    if args.output is None:
        print("tlstui: --extract needs -o OUT.pcapng", file=sys.stderr)
        return 2
    try:
        _session, result = extract_by_id(args.capture[0], args.extract, args.output, args.keylog)
    except KeyError:
        print(
            f"tlstui: no session {args.extract} in {safe_text(args.capture[0], 200)}",
            file=sys.stderr,
        )
        return 2
    except CaptureError as exc:
        print(f"tlstui: {safe_text(str(exc), 2000)}", file=sys.stderr)
        return 2
    except OSError as exc:
        where = safe_text(str(args.output), 200)
        print(f"tlstui: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"tlstui: {safe_text(result.describe(args.extract), 2000)}")
    return 0


def run() -> None:
    """Console entry point: exit without tearing down the heap object by object.

    A large capture leaves millions of objects; freeing them one by one at interpreter exit
    costs about a second for nothing, so the process flushes its output and leaves at once.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError, AttributeError):
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
