"""`python -m yousync_analyzer`: parse settings once, run the server."""

from __future__ import annotations

import asyncio


def main() -> None:
    from yousync_analyzer.server import serve
    from yousync_analyzer.settings import AnalyzerSettings
    from yousync_platform.logging import configure_logging
    from yousync_platform.settings import load_settings

    settings = load_settings(AnalyzerSettings)
    configure_logging("analyzer", settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
