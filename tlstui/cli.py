"""Command line: ``tlstui CAPTURE`` opens the TUI; ``--json`` and ``--report`` print instead.

Exit status: 0 when the capture was analysed (even if every handshake failed), 2 for a usage
error or input that cannot be read as a capture (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from tlstui import __version__
from tlstui.textsafe import safe_text


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tlstui",
        description="Explain failed TLS handshakes in a packet capture (pcap/pcapng).",
        epilog="Without --json or --report, opens the terminal UI. Press ? there for keys.",
    )
    p.add_argument(
        "capture", help="capture file (pcap or pcapng, optionally gzipped); - reads stdin"
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.no_keylog:
        args.keylog = False
    if not (args.json or args.report):
        if args.capture == "-":
            print(
                "tlstui: the TUI cannot read a capture from stdin; use --json or --report",
                file=sys.stderr,
            )
            return 2
        from tlstui.ui.app import make_app

        app = make_app(args.capture, keylog=args.keylog)
        app.run()
        return int(getattr(app, "return_code", 0) or 0)

    from tlstui.analysis.engine import CaptureError, analyze

    # A one-shot run: the report is built once and printed; the cyclic GC would only rescan
    # the millions of long-lived objects of a large capture (seconds, for nothing).
    gc.disable()

    try:
        report = analyze(args.capture, keylog=args.keylog)
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
