#!/usr/bin/env python3
"""Development server for the tiaoli web page (Python 3 standard library only).

Serves the directory this file lives in (web/) on 127.0.0.1 with the headers the page is
meant to run under in production: a strict Content-Security-Policy, nosniff, revalidated caching,
and the right MIME types for ES modules and WebAssembly.

    python3 web/serve.py            # http://127.0.0.1:8000/
    python3 web/serve.py 8080       # or --port 8080; port 0 picks a free port
    python3 web/serve.py --quiet    # no request log

The first line printed is "Serving http://127.0.0.1:PORT/" (flushed), so scripts can read
the port. SIGTERM and Ctrl-C stop the server cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The policy the page is written for. The HTML pages carry the same policy in a <meta> tag,
# except frame-ancestors, which only a header can carry.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".ts": "text/plain; charset=utf-8",
    ".tiaoli": "application/octet-stream",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with security headers and explicit MIME types."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet = False
    # Keep-alive, as any static host: the standard library's default, HTTP/1.0, opens a
    # connection for every file, and the page loads nine of them at once.
    protocol_version = "HTTP/1.1"

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        # What a static host should send for files whose names carry no content hash: the
        # browser keeps them but asks each time whether they changed (If-Modified-Since,
        # answered 304 by the standard library), so a reload costs a few round trips, not the
        # download, and an edit shows at once.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        if not self.quiet:
            super().log_message(format, *args)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve tiaoli's web/ directory on 127.0.0.1.")
    parser.add_argument("port_arg", nargs="?", type=int, metavar="PORT", help="port (default 8000; 0 = any free port)")
    parser.add_argument("--port", "-p", type=int, default=None, help="port (same as the positional PORT)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--quiet", "-q", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    if args.port is not None and args.port_arg is not None and args.port != args.port_arg:
        parser.error("give the port once (PORT or --port)")
    args.port = args.port if args.port is not None else args.port_arg if args.port_arg is not None else 8000
    if not 0 <= args.port <= 65535:
        parser.error(f"port out of range: {args.port}")
    return args


def _stop(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    Handler.quiet = args.quiet
    handler = functools.partial(Handler, directory=str(ROOT))
    try:
        server = http.server.ThreadingHTTPServer((args.bind, args.port), handler)
    except OSError as err:
        print(f"cannot listen on {args.bind}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 1
    server.daemon_threads = True
    # Ctrl-C and SIGTERM both stop the server (SIGINT too when a shell started it in the
    # background with SIGINT ignored).
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    host, port = server.server_address[:2]
    print(f"Serving http://{host}:{port}/ (directory {ROOT})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    if not args.quiet:
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
