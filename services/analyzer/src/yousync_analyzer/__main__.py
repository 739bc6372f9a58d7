"""`python -m yousync_analyzer`: parse settings once, run the server."""

from __future__ import annotations

import asyncio


def main() -> None:
    from yousync_analyzer.server import serve
    from yousync_analyzer.settings import AnalyzerSettings
    from yousync_platform.cli import start

    asyncio.run(serve(start("analyzer", AnalyzerSettings)))


if __name__ == "__main__":
    main()
