"""What the worst photos a contact post may carry cost to check: time and peak memory.

    .venv/bin/python bench/upload_worst_case.py [--before REV] [--repeat 3] [--write]

Each case runs in a fresh child process, which reads the uploads from disk (small files: the
images are of one colour), notes its peak memory (VmHWM), judges the three uploads as the
contact form does, and reports the seconds and the growth of its peak memory. The images are
made once by this process. "before" runs the support app's images.py as it was at REV (from
git); "now" runs the working tree's. Prints a Markdown table; `--write` also saves it as
bench/results/<date>-upload-worst-case.md.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
IMAGES_MODULE = "src/candor/engagement/support/images.py"
# The last commit whose images.py decoded every upload whole, before the rate limit, up to 40
# megapixels and without scaling down.
BEFORE = "1b07bda"

CHILD = r"""
import importlib.util, io, json, resource, sys, time
from pathlib import Path

module_path, *paths = sys.argv[1:]
spec = importlib.util.spec_from_file_location("support_images", module_path)
images = importlib.util.module_from_spec(spec)
spec.loader.exec_module(images)


class Upload(io.BytesIO):
    def __init__(self, path):
        super().__init__(Path(path).read_bytes())
        self.name, self.size = Path(path).name, len(self.getvalue())


def peak_kb():
    # VmHWM, the peak resident size of this process image. ru_maxrss would do, but on Linux
    # it keeps the peak of the process before exec, a fork of the (large) bench process.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


uploads = [Upload(path) for path in paths]
before = peak_kb()
start = time.perf_counter()
outcomes = []
for upload in uploads:
    try:
        kept = images.clean_image(upload)
        outcomes.append(f"kept, {kept.size // 1024} KB stored")
    except images.ImageRefused as refused:
        outcomes.append(f"refused: {refused}")
seconds = time.perf_counter() - start
after = peak_kb()
print(json.dumps({"seconds": seconds, "peak_mb": (after - before) / 1024, "outcomes": outcomes}))
"""


def make_images(directory: Path) -> dict[str, list[Path]]:
    from PIL import Image

    def save(name: str, mode: str, size, kind: str) -> Path:
        path = directory / name
        image = Image.new(mode, size, (200, 30, 30, 255)[: len(mode)])
        out = io.BytesIO()
        image.save(out, kind)
        path.write_bytes(out.getvalue())
        return path

    return {
        "three solid 40-megapixel PNGs (8000 × 5000, RGB)": [
            save(f"solid-40mp-{n}.png", "RGB", (8000, 5000), "PNG") for n in range(3)
        ],
        "three solid 25-megapixel PNGs with alpha (5000 × 5000, RGBA)": [
            save(f"solid-25mp-{n}.png", "RGBA", (5000, 5000), "PNG") for n in range(3)
        ],
        "three solid 12-megapixel PNGs with alpha (3464 × 3464, RGBA; the largest PNG now taken)": [
            save(f"solid-12mp-{n}.png", "RGBA", (3464, 3464), "PNG") for n in range(3)
        ],
        "three 24-megapixel JPEGs (5712 × 4284)": [
            save(f"photo-24mp-{n}.jpg", "RGB", (5712, 4284), "JPEG") for n in range(3)
        ],
    }


def old_module(rev: str, directory: Path) -> Path:
    source = subprocess.run(
        ["git", "show", f"{rev}:{IMAGES_MODULE}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = directory / "images_before.py"
    path.write_text(source)
    return path


def measure(module: Path, paths: list[Path]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(module), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR / "src")},
    )
    return json.loads(result.stdout)


def best_of(module: Path, paths: list[Path], repeat: int) -> dict:
    runs = [measure(module, paths) for _ in range(repeat)]
    fastest = min(runs, key=lambda run: run["seconds"])
    fastest["peak_mb"] = max(run["peak_mb"] for run in runs)
    return fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the old images.py")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (fastest kept)")
    parser.add_argument("--write", action="store_true", help="save to bench/results/")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        cases = make_images(directory)
        versions = {
            f"before ({args.before})": old_module(args.before, directory),
            "now": PROJECT_DIR / IMAGES_MODULE,
        }
        rows = []
        for case, paths in cases.items():
            total_kb = sum(path.stat().st_size for path in paths) // 1024
            for version, module in versions.items():
                run = best_of(module, paths, args.repeat)
                outcome = "; ".join(sorted(set(run["outcomes"])))
                rows.append(
                    f"| {case}, {total_kb} KB in all | {version} | {run['seconds']:.2f} s "
                    f"| {run['peak_mb']:.0f} MB | {outcome} |"
                )

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    ).stdout.strip()
    today = datetime.date.today().isoformat()
    report = "\n".join(
        [
            f"# Worst-case contact-form photos, {today}",
            "",
            f"Machine: {os.cpu_count()} cores, shared with other work (load average "
            f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}). Python "
            f"{platform.python_version()}, commit {commit} plus the working tree. Command: "
            f"`python bench/upload_worst_case.py --repeat {args.repeat}`.",
            "",
            "Each row: the three uploads of one contact post, judged in a fresh process as the "
            "form does; the fastest of the runs and the largest growth of the process's peak "
            "resident memory (VmHWM). A post over the rate limit now decodes nothing at all "
            "(the limit is checked before any image is decoded).",
            "",
            "| uploads | code | time | peak memory | outcome |",
            "|---|---|---:|---:|---|",
            *rows,
            "",
        ]
    )
    print(report)
    if args.write:
        path = PROJECT_DIR / "bench" / "results" / f"{today}-upload-worst-case.md"
        path.write_text(report)
        print(f"written to {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
