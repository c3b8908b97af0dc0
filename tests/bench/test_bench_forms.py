"""The printed forms benchmark at toy size (``bench/forms.py --quick``: a few notices and a
300-line book beside its bare reportlab twin), so it cannot rot. Only that it completes and
prints its table is checked; no figure is held against a target."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_quick_forms_benchmark_prints_its_table(tmp_path):
    out, md = tmp_path / "forms.json", tmp_path / "forms.md"
    result = subprocess.run([sys.executable, str(BENCH / "forms.py"), "--quick", "--out", out, "--markdown", md],
                            capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "| Metric | Value | Target | Reference | Ratio | Result |" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["quick"] and data["lines"] == 300 and data["machine"]["reportlab"]
    metrics = {m["name"]: m for m in data["metrics"]}
    for m in metrics.values():
        assert isinstance(m["value"], float) and math.isfinite(m["value"]) and m["value"] > 0, m
        assert m["result"] in ("PASS", "MISS", "info")
    notice = metrics["acceptance notice (4 materials, QR code), median"]
    assert notice["unit"] == "ms" and notice["runs"] == 3 and notice["target"] == 100 and notice["bytes"] > 10_000
    book = metrics["registration book, 300 lines, median"]
    assert book["unit"] == "s" and book["reference"] > 0 and book["ratio"] > 0 and book["pages"] > 5
    assert book["progress_calls"] >= 4
    text = md.read_text(encoding="utf-8")
    assert "printed forms" in text and text.count("\n| ") == len(data["metrics"]) + 1
    assert text.strip() in result.stdout
