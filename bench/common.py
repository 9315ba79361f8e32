"""Helpers the bench scripts share."""

from __future__ import annotations

import cProfile
import io
import pstats


def profile(func, title: str, limit: int = 30) -> None:
    """Run ``func`` under cProfile and print the top ``limit`` rows by cumulative and own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(limit)
        text = out.getvalue()
        print(f"\n==== cProfile: {title}, by {order} ====")
        print(text[text.find("   ncalls"):].rstrip(), flush=True)
