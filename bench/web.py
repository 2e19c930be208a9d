"""Front-end weight and speed in a real browser, on a throttled phone profile.

    .venv/bin/python bench/web.py [--runs 3] [--cpu 4] [--dist DIR] [--accept-encoding gzip]

Starts the store as the browser tests do (`python -m luffy.serve`, tests/e2e/conftest.py) and
drives Debian's headless chromium (`/usr/bin/chromium`, or CHROMIUM=) through Playwright at
390 x 844 with Chrome DevTools' network throttling (1.6 Mbps down, 750 kbps up, 150 ms latency)
and optionally CPU throttling. Each run is a fresh profile (empty cache). Prints one JSON line
per page with the medians over the runs:

- js_kb: JavaScript transferred on the first load (bytes on the wire: compressed when served
  compressed), and js_encodings, the Content-Encoding of those scripts;
- fcp_ms: first contentful paint;
- cards_ms: navigation start until the first course card is visible.

`--dist` serves another build (WEB_DIST_DIR), e.g. a copy of web/dist made before a change.
Targets (issue 17): JS on the first load of home <= 150 KB, FCP <= 2.5 s, cards <= 3 s."""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from luffy import webbuild  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, running_store  # noqa: E402

PHONE = {"width": 390, "height": 844}
NETWORK = {  # DevTools wants bytes per second
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
PAGES = [("home", "/"), ("courses", "/courses")]


def measure(browser, base_url: str, path: str, cpu: float, encoding: str | None = None) -> dict:
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale="zh-CN")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", NETWORK)
    if encoding:  # e.g. "gzip": what a browser without brotli gets
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": encoding}})
    if cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    scripts: dict[str, str] = {}  # request id -> Content-Encoding
    sizes: dict[str, int] = {}

    def on_response(event):
        if event["type"] == "Script":
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            scripts[event["requestId"]] = headers.get("content-encoding", "identity")

    def on_finished(event):
        sizes[event["requestId"]] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(path, wait_until="commit")
    page.locator("[data-test=course-card]").first.wait_for(state="visible", timeout=60_000)
    cards_ms = page.evaluate("performance.now()")
    page.wait_for_load_state("networkidle", timeout=60_000)
    fcp_ms = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"
    )
    js_bytes = sum(sizes.get(request_id, 0) for request_id in scripts)
    context.close()
    return {
        "js_bytes": js_bytes,
        "js_files": len(scripts),
        "js_encodings": sorted(set(scripts.values())),
        "fcp_ms": fcp_ms,
        "cards_ms": cards_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu", type=float, default=1, help="CPU slow-down factor, e.g. 4")
    parser.add_argument("--accept-encoding", help='send this Accept-Encoding, e.g. "gzip"')
    parser.add_argument("--dist", help="serve this build instead of web/dist (WEB_DIST_DIR)")
    args = parser.parse_args()
    extra = {}
    if args.dist:
        extra["WEB_DIST_DIR"] = str(Path(args.dist).resolve())
    elif not webbuild.build():
        sys.exit("the front end did not build")
    with (
        tempfile.TemporaryDirectory(prefix="luffy-bench-web-") as var_dir,
        running_store(Path(var_dir), **extra) as store,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        measure(browser, store.url, "/", 1)  # warm the server (first queries, caches)
        for name, path in PAGES:
            runs = [
                measure(browser, store.url, path, args.cpu, args.accept_encoding)
                for _ in range(args.runs)
            ]
            print(
                json.dumps(
                    {
                        "bench": "web",
                        "page": name,
                        "viewport": f"{PHONE['width']}x{PHONE['height']}",
                        "network": "1.6Mbps/750kbps/150ms",
                        "cpu_throttle": args.cpu,
                        "runs": args.runs,
                        "js_kb": round(statistics.median(r["js_bytes"] for r in runs) / 1024, 1),
                        "js_files": runs[0]["js_files"],
                        "js_encodings": runs[0]["js_encodings"],
                        "fcp_ms": round(statistics.median(r["fcp_ms"] for r in runs)),
                        "cards_ms": round(statistics.median(r["cards_ms"] for r in runs)),
                        "dist": args.dist or "web/dist",
                        "load_average": os.getloadavg()[0],
                    }
                ),
                flush=True,
            )
        browser.close()


if __name__ == "__main__":
    main()
