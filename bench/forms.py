"""The printed forms benchmark: one notice, and the registration book against a bare table.

    python bench/forms.py [--runs 30] [--lines 10000] [--book-runs 3] [--out forms.json] [--markdown FILE]
    python bench/forms.py --quick        # small sizes, few runs (what the tests run)

Measured in one process, after one untimed warm-up of each (the font registered and the
templates read, as in a desk that has printed once):

1. One notice (《事项受理通知单》 with 4 materials and its QR code), ``render(sheet)`` → PDF
   bytes, median of ``--runs``; the other case forms too, for information.
2. The registration book of ``--lines`` lines (cover, ledger pages with the header drawn on
   every page, "第 N 页 共 M 页"), median of ``--book-runs``.
3. Its bare twin: the same rows as plain strings in reportlab Tables of 100 rows (chunked,
   like the book), the same font, size, column widths, grid and page, no cover, no header,
   no page numbers and no wrapping (long texts would overflow their cells). The ratio is
   what the form costs above the floor reportlab itself sets.

Targets (printed, never asserted): notice ≤ 100 ms, 10,000-line book ≤ 8 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOTICE_TARGET_MS = 100.0
BOOK_TARGET_S = 8.0
HEADER = ("Metric", "Value", "Target", "Reference", "Ratio", "Result")


def timed(fn, runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls, after one untimed warm-up."""
    fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def bare_book(lines, chunk: int = 100) -> bytes:
    """The book's rows as plain strings in chunked reportlab Tables: the floor."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from windowdesk.fonts import register_reportlab_font
    from windowdesk.printing.blocks import scaled_widths
    from windowdesk.printing.templates import load_template
    from windowdesk.printing.sheets import FormKind

    font = register_reportlab_font()
    ledger = next(b for b in load_template(FormKind.BOOK).blocks if b.type == "ledger")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=17 * mm, bottomMargin=16 * mm, initialFontName=font)
    widths = scaled_widths([c["width"] for c in ledger["columns"]], doc.width)
    style = TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8),
                        ("LEADING", (0, 0), (-1, -1), 10), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
    rows = [[str(line.no), line.case_number, f"{line.received_at:%Y-%m-%d %H:%M}", line.applicant, line.phone,
             line.item_name, line.limit, f"{line.due_date or '—'}", line.result, f"{line.completed_on or '—'}",
             line.clerk, line.remarks] for line in lines]
    doc.build([Table(rows[i:i + chunk], colWidths=widths, style=style) for i in range(0, len(rows), chunk)])
    return buffer.getvalue()


def machine() -> dict:
    import reportlab

    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    cpu = "?"
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "?")
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "reportlab": reportlab.Version, "os": platform.platform(),
            "commit": git("rev-parse", "--short", "HEAD") or "?",
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"}


def run(args) -> dict:
    from windowdesk.printing import samples
    from windowdesk.printing.render import render
    from windowdesk.printing.sheets import FormKind

    metrics = []

    def add(name, unit, value, target=None, reference=None, reference_name="", **extra):
        ratio = value / reference if reference else None
        result = "info" if target is None else ("PASS" if value <= target else "MISS")
        metrics.append({"name": name, "unit": unit, "value": value, "target": target, "reference": reference,
                        "reference_name": reference_name, "ratio": ratio, "result": result, **extra})

    notice = samples.acceptance()
    times = timed(lambda: render(notice), args.runs)
    add("acceptance notice (4 materials, QR code), median", "ms", statistics.median(times) * 1000,
        NOTICE_TARGET_MS, runs=len(times), p95=sorted(times)[max(0, round(0.95 * len(times)) - 1)] * 1000,
        bytes=len(render(notice)))
    for kind in (FormKind.ONE_TIME_NOTICE, FormKind.REFUSAL, FormKind.SATISFACTION, FormKind.GUIDE):
        sheet = samples.sample(kind)
        times = timed(lambda: render(sheet), max(3, args.runs // 3))
        add(f"{kind.value}, median", "ms", statistics.median(times) * 1000, runs=len(times))
    long_notice = samples.acceptance(long=True)
    times = timed(lambda: render(long_notice), max(3, args.runs // 3))
    add("acceptance notice, long names and 25 materials, median", "ms",
        statistics.median(times) * 1000, runs=len(times))

    book = samples.book(args.lines)
    progress_calls = []
    pdf = render(book, progress=lambda done, total: progress_calls.append(done))
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    book_times = timed(lambda: render(book), args.book_runs - 1) if args.book_runs > 1 else []
    started = time.perf_counter()
    render(book)
    book_times.append(time.perf_counter() - started)
    bare_times = timed(lambda: bare_book(book.lines), max(1, args.book_runs - 1))
    target = BOOK_TARGET_S if args.lines == 10_000 else None
    add(f"registration book, {args.lines:,} lines, median", "s", statistics.median(book_times), target,
        statistics.median(bare_times), "bare reportlab tables, chunked by 100, plain strings",
        runs=len(book_times), bare_runs=len(bare_times), pdf_mib=round(len(pdf) / 2**20, 2),
        progress_calls=len(progress_calls), pages=pages)
    return {"date": datetime.now().isoformat(timespec="seconds"), "quick": args.quick, "machine": machine(),
            "lines": args.lines, "metrics": metrics}


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    return f"{text} {unit}".strip()


def markdown(data: dict) -> str:
    m = data["machine"]
    lines = [f"### {data['date']} — printed forms{' (quick)' if data['quick'] else ''}", "",
             (f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, reportlab {m['reportlab']}; "
              f"{m['os']}. WindowDesk {m['commit']}{' with uncommitted changes' if m['dirty'] else ''}; "
              f"load average {m['load']}."), "",
             "| " + " | ".join(HEADER) + " |", "|---|---|---|---|---|---|"]
    for x in data["metrics"]:
        reference = f"{_fmt(x['reference'], x['unit'])} ({x['reference_name']})" if x["reference"] else "—"
        ratio = f"{x['ratio']:.2f}×" if x["ratio"] else "—"
        target = f"≤ {_fmt(x['target'], x['unit'])}" if x["target"] is not None else "—"
        lines.append(f"| {x['name']} | {_fmt(x['value'], x['unit'])} | {target} | {reference} | {ratio} | {x['result']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, few runs (what the tests run)")
    p.add_argument("--runs", type=int, help="timed renders of the notice (30; quick: 3)")
    p.add_argument("--lines", type=int, help="lines of the registration book (10000; quick: 300)")
    p.add_argument("--book-runs", type=int, help="timed renders of the book and of its bare twin (3; quick: 1)")
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, help="append the markdown table here")
    args = p.parse_args(argv)
    args.runs = args.runs or (3 if args.quick else 30)
    args.lines = args.lines if args.lines is not None else (300 if args.quick else 10_000)
    args.book_runs = max(1, args.book_runs or (1 if args.quick else 3))
    data = run(args)
    text = markdown(data)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
