"""Open an `accelsim run --html` page, or a sweep's report.html, in headless Chromium and check
it really renders.

Chromium is an oracle, never a dependency: Debian's package installs it system-wide
(`apt-get install -y chromium`, /usr/bin/chromium). Checks, each printed as a line:

- the script ran to its end (the page marks `<body data-rendered>`) and logged nothing to the
  console (the page logs nothing when it works, so any console line is a failure);
- the headings and the critical path are in the rendered DOM (red-outlined tasks, the path text);
  on a sweep's page, its headings, Pareto-front points and a filled regime map and top table;
- a screenshot is not blank (many distinct colours, not one flat background).

    python scripts/check_html.py report.html [--screenshot docs/report.png]
    python scripts/check_html.py --model workloads/mobilenet.onnx --hw edge1 --screenshot x.png

Exit status 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
)  # fmt: skip
HEADINGS = ("Machine", "Timeline and critical path", "Critical path", "Where the time goes",
            "SRAM occupancy", "Power over time", "Energy per tensor", "Layers")  # fmt: skip
SWEEP_HEADINGS = ("Pareto front", "Regime map", "Elasticities", "Top points")


def _chromium(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             *extra, page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


def check(page: Path, screenshot: Path) -> list[str]:
    """Problems found with `page` (empty when it renders as it should); writes `screenshot`."""
    problems = []
    dom = _chromium(page, "--dump-dom")
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    problems += [f"console: {line}" for line in console]
    html = dom.stdout
    if "data-rendered" not in html:
        problems.append("the page's script did not run to its end")
    sweep = "<h1 id=\"title\">Sweep " in html
    for heading in SWEEP_HEADINGS if sweep else HEADINGS:
        if f">{heading}</h2>" not in html:
            problems.append(f"heading missing: {heading}")
    problems += [p for mark, p in MARKS["sweep" if sweep else "run"] if not re.search(mark, html)]
    shot = _chromium(page, f"--screenshot={screenshot.resolve()}", "--window-size=1200,1800")
    if not screenshot.exists():
        problems.append(f"no screenshot: {shot.stderr.strip()[-200:]}")
    else:
        colours = _colours(screenshot)
        if colours < 8:
            problems.append(f"screenshot looks blank: {colours} distinct colours")
    return problems


MARKS = {
    "run": (
        (r'class="critical"', "no task marked on the critical path in the timeline"),
        (r'id="path">\d[\d,]* tasks set the latency', "critical path text missing"),
    ),
    "sweep": (
        (r'<circle[^>]*class="front"', "no point drawn on the Pareto front"),
        (r'id="top"><tr><th>#</th>.*?</tr><tr><td>\d', "the top points table is empty"),
    ),
}
"""What each kind of page must contain once its script ran (pattern, problem if absent)."""


def _colours(png: Path) -> int:
    """Distinct colours in a PNG (matplotlib reads it; numpy counts)."""
    import matplotlib.image
    import numpy as np

    pixels = matplotlib.image.imread(png)
    flat = (pixels.reshape(-1, pixels.shape[-1]) * 255).astype(np.uint8)
    return len(np.unique(flat, axis=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", nargs="?", type=Path, help="an accelsim HTML report")
    parser.add_argument("--model", help="make the page first: this model ...")
    parser.add_argument("--hw", default="edge1", help="... on this machine (default edge1)")
    parser.add_argument("--screenshot", type=Path, help="where to keep the screenshot (PNG)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        page = args.page
        if page is None:
            if args.model is None:
                parser.error("give a page or --model")
            page = Path(folder) / "report.html"
            command = [sys.executable, "-m", "accelsim", "run", args.model, "--hw", args.hw]
            subprocess.run([*command, "--html", str(page)], check=True, stdout=subprocess.DEVNULL)
        screenshot = args.screenshot or Path(folder) / "page.png"
        problems = check(page, screenshot)
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print(f"ok: {page} renders, headings and marks present, no console output")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
