"""`hpa scenarios`: the scheme files of the library, each with its Chinese and English name."""

from __future__ import annotations

import argparse


def scenarios_command(args: argparse.Namespace) -> int:
    """`hpa scenarios`: print every scheme id in scenarios/ beside its names; returns 0."""
    from model.scenario import known_scenarios, load_scenario

    for name in known_scenarios():
        scenario = load_scenario(name)
        print(f"{name:<28} {scenario.name['zh']} / {scenario.name['en']}")
    return 0
