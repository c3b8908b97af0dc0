"""The county sync benchmark at toy size (``bench/sync.py --quick``: a private PostgreSQL
cluster and a county server process, a few hundred events, six desks, one wave), so it
cannot rot. Only that it runs and prints its table is checked; no figure is held against
a target."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from windowdesk.county.pgcluster import ClusterError, find_pg_bin

BENCH = Path(__file__).resolve().parents[2] / "bench"
pytestmark = pytest.mark.slow


def test_quick_sync_benchmark_prints_its_table(tmp_path):
    try:
        find_pg_bin()
    except ClusterError as err:
        pytest.fail(f"{err}\nThe test command (bash scripts/test.sh) installs PostgreSQL.", pytrace=False)
    out, md = tmp_path / "sync.json", tmp_path / "sync.md"
    result = subprocess.run([sys.executable, str(BENCH / "sync.py"), "--quick", "--out", out, "--markdown", md],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-4000:]
    assert "| Metric | Value | Target | Reference | Ratio | Result |" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["quick"] and data["machine"]["cores"] and data["postgresql"]
    names = [m["name"] for m in data["metrics"]]
    for expected in ("village catch-up", "desks at once", "server ingest", "intake"):
        assert any(expected in n for n in names), expected
    for m in data["metrics"]:
        assert math.isfinite(m["value"]) and m["value"] > 0 and m["result"] in ("PASS", "MISS", "info"), m
    catch_up = next(m for m in data["metrics"] if m["name"].startswith("village catch-up"))
    assert catch_up["converged"] and 0 < catch_up["village_sent"] <= catch_up["window_received"]
    rounds = next(m for m in data["metrics"] if "desks at once" in m["name"])
    assert rounds["rounds"] == data["sizes"]["desks"] * data["sizes"]["waves"] and rounds["errors"] == 0
    intake = next(m for m in data["metrics"] if m["name"].startswith("intake"))
    assert intake["rounds"] >= 1 and intake["round_errors"] == 0 and intake["reference"] > 0
    text = md.read_text(encoding="utf-8")
    assert "county sync" in text and text.count("\n| ") == len(data["metrics"]) + 1
    assert text.strip() in result.stdout
