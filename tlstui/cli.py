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
    p.add_argument(
        "--failed", action="store_true", help="with --report: only failed and incomplete sessions"
    )
    p.add_argument(
        "--keylog",
        type=Path,
        metavar="FILE",
        help="TLS key log (SSLKEYLOGFILE format); default: CAPTURE.keys if present",
    )
    p.add_argument(
        "--no-keylog", action="store_true", help="ignore key logs (beside the capture or inside it)"
    )
    p.add_argument("--version", action="version", version=f"tlstui {__version__}")
    _compare_options(p)
    return p


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
    if not (args.json or args.report or args.diff):
        if "-" in args.capture:
            print(
                "tlstui: the TUI cannot read a capture from stdin; use --json or --report",
                file=sys.stderr,
            )
            return 2
        from tlstui.ui.app import make_app

        if several:
            app = make_app(
                args.capture[0], keylog=args.keylog, analyze=_several_for_ui(args.capture)
            )
        else:
            app = make_app(args.capture[0], keylog=args.keylog)
        app.run()
        return int(getattr(app, "return_code", 0) or 0)

    from tlstui.analysis.engine import CaptureError, analyze

    # A one-shot run: the report is built once and printed; the cyclic GC would only rescan
    # the millions of long-lived objects of a large capture (seconds, for nothing).
    gc.disable()

    try:
        if several:
            report = _analyze_several(args)
            if report is None:
                return 2
        else:
            report = analyze(args.capture[0], keylog=args.keylog)
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
            from tlstui.output.json_report import to_json

            sys.stdout.write(to_json(report, indent=2 if sys.stdout.isatty() else None) + "\n")
        else:
            from tlstui.output.text_report import print_report

            print_report(report, failed_only=args.failed)
        sys.stdout.flush()
    except BrokenPipeError:
        # `tlstui cap --json | head` is fine: stop quietly.
        sys.stdout = None
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
