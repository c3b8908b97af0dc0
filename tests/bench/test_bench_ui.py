"""The desk UI benchmark at toy size (``bench/ui.py --quick``: a one-month demo desk, two
cold starts, up to twenty search keystrokes, one round of the stall probe), so it cannot rot.
Only that the output is sane is checked; no figure is held against a target."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_quick_ui_benchmark_reports_every_figure(tmp_path):
    out, md = tmp_path / "ui.json", tmp_path / "ui.md"
    result = subprocess.run(
        [sys.executable, str(BENCH / "ui.py"), "--quick", "--workdir", tmp_path / "work",
         "--out", out, "--markdown", md],
        capture_output=True, text=True, timeout=150, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["quick"] and data["machine"]["commit"] and data["machine"]["cores"]

    metrics = {m["name"]: m for m in data["metrics"]}
    for m in metrics.values():
        assert isinstance(m["value"], float) and math.isfinite(m["value"]) and m["value"] >= 0, m
        assert m["result"] in ("PASS", "MISS", "info")

    start = metrics["cold start to queue shown, demo desk, median"]
    assert start["runs"] == 2 and start["reference_name"] == "bare window"
    assert 0 < start["reference"] and 0 < start["value"] < 60 and start["ratio"] > 0
    assert start["queue_rows"] >= 0 and 0 < start["launcher_to_shown_s"] < start["value"]

    search = data["search"]
    assert 4 <= search["keystrokes"] <= 20 and not search["errors"]  # ≤ 5 keys of one query per kind
    assert set(search["kinds"]) == {"name", "ID number", "phone", "case number", "all"}
    assert search["kinds"]["all"]["keystroke_ms"]["n"] == search["keystrokes"]
    assert any(name.startswith("search keystroke, all kinds, p95") for name in metrics)

    desk = data["desk"]
    assert desk["queue_rows"] >= 1 and desk["names_searched"] >= 1
    rss = metrics["memory (RSS), main window, queue scrolled to its end, names searched"]
    assert 20 < rss["value"] < 5000 and rss["reference"] > 0  # MB: a Qt process, not kB nor bytes
    probe = desk["probe"]
    assert probe["actions"] >= 20 and probe["ticks"] > 10
    assert probe["max_gap_ms"] >= probe["p99_gap_ms"] > 0

    text = md.read_text(encoding="utf-8")
    assert "desk UI" in text and "| Metric | Value | Target | Reference | Ratio | Result |" in text
    assert text.count("\n| ") == len(data["metrics"]) + 1
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())
