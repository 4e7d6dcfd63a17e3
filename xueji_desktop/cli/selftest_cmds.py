"""CLI commands for this area (filled in by its issue)."""

from __future__ import annotations


def register(sub) -> None:
    """Add this area's sub-commands to ``sub`` (an argparse subparsers object)."""
