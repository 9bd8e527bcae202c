"""Child-process entry point: build the knowledge-base index and write it to the cache.

    python -m agent_console.services.index_build --db URL

The console starts this for a big KB so that its own UI thread stays responsive."""

from __future__ import annotations

import argparse
import sys

from agent_console.config import load_settings
from agent_console.services.container import open_services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agent_console.services.index_build")
    parser.add_argument("--db", required=True)
    args = parser.parse_args(argv)
    services = open_services(load_settings(args.db), prepare=False)
    try:
        path = services.knowledge.build_and_cache()
    finally:
        services.close()
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
