"""Check the pinned dependencies against a vendored snapshot of published advisories, offline.

    .venv/bin/python scripts/audit_deps.py                # audit requirements/*.txt
    .venv/bin/python scripts/audit_deps.py --max-age-days 30   # also fail on an old snapshot
    .venv/bin/python scripts/audit_deps.py --refresh ~/advisory-database   # re-vendor

pip-audit asks an online service about every pin, and no advisory service is reachable from
the project's machines, so the advisories for the packages we pin are kept in
requirements/advisories.json: taken from a checkout of the PyPA advisory database (its
vulns/<package>/*.yaml files, OSV format) by --refresh, which keeps only our packages. The
audit reads every `name==version` of the lock files and reports each advisory whose affected
ranges or versions include the pin. Exit status: 0 clean, 1 a pin is affected, 2 the
snapshot is older than --max-age-days (or unreadable).

A snapshot only knows what was published before it was taken: the report always says its
date, and docs/security.md ("Dependency audit") says when to refresh it and run pip-audit on
a connected machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PROJECT_DIR = Path(__file__).resolve().parent.parent
SNAPSHOT = PROJECT_DIR / "requirements" / "advisories.json"
LOCK_FILES = [PROJECT_DIR / "requirements" / "prod.txt", PROJECT_DIR / "requirements" / "dev.txt"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    summary: str


def pins(lock_files: list[Path] = LOCK_FILES) -> dict[str, str]:
    """{canonical name: version} of every `name==version` line of the lock files."""
    found: dict[str, str] = {}
    for lock in lock_files:
        for name, version in PIN.findall(lock.read_text()):
            found[canonicalize_name(name)] = version
    return found


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV ECOSYSTEM range semantics: affected from each "introduced" up to the next "fixed"
    (excluded) or "last_affected" (included)."""
    affected = False
    for event in sorted(events, key=_event_order):
        if "introduced" in event:
            start = event["introduced"]
            if start == "0" or ((low := _parse(start)) is not None and version >= low):
                affected = True
        elif "fixed" in event or "last_affected" in event:
            end = _parse(event.get("fixed") or event["last_affected"])
            if end is not None and (version >= end if "fixed" in event else version > end):
                affected = False
    return affected


def _event_order(event: dict[str, str]) -> tuple[Version, int]:
    (kind, value), *_ = event.items()
    parsed = Version("0") if value == "0" else (_parse(value) or Version("0"))
    # At one version an introduction comes before the fix that ends it.
    return parsed, {"introduced": 0, "last_affected": 1, "fixed": 2}.get(kind, 3)


def affects(advisory: dict, version_text: str) -> bool:
    version = _parse(version_text)
    if version_text in advisory.get("versions", []):
        return True
    if version is None:
        return False
    return any(in_range(version, events) for events in advisory.get("ranges", []))


def audit(snapshot: dict, pinned: dict[str, str]) -> list[Finding]:
    findings = []
    for name, version in sorted(pinned.items()):
        for advisory in snapshot["advisories"].get(name, []):
            if affects(advisory, version):
                findings.append(
                    Finding(
                        package=name,
                        version=version,
                        advisory=advisory["id"],
                        aliases=tuple(advisory.get("aliases", [])),
                        fixed_in=tuple(advisory.get("fixed", [])),
                        summary=advisory.get("summary", ""),
                    )
                )
    return findings


def snapshot_age(snapshot: dict, today: date) -> int:
    return (today - date.fromisoformat(snapshot["taken"])).days


# --- refreshing the snapshot -------------------------------------------------------------------


def _vendored(record: dict, name: str) -> dict | None:
    if record.get("withdrawn"):
        return None
    ranges, versions, fixed = [], [], []
    for entry in record.get("affected", []):
        package = entry.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) != name:
            continue
        versions += [str(v) for v in entry.get("versions", [])]
        for found in entry.get("ranges", []):
            if found.get("type") == "ECOSYSTEM":
                events = [{k: str(v) for k, v in e.items()} for e in found.get("events", [])]
                ranges.append(events)
                fixed += [e["fixed"] for e in events if "fixed" in e]
    if not ranges and not versions:
        return None
    summary = (record.get("summary") or record.get("details") or "").strip().split("\n")[0]
    return {
        "id": record["id"],
        "aliases": sorted(record.get("aliases", [])),
        "summary": summary[:200],
        "fixed": sorted(set(fixed), key=lambda v: _parse(v) or Version("0")),
        "ranges": ranges,
        # Listed versions are only needed where no range says it.
        "versions": [] if ranges else sorted(set(versions)),
    }


def refresh(database: Path, pinned: dict[str, str], *, source: str, taken: str) -> dict:
    """The snapshot for our packages, from a checkout of the PyPA advisory database."""
    import yaml  # only needed to refresh (PyYAML comes with the development tools)

    advisories: dict[str, list[dict]] = {}
    folders = {canonicalize_name(p.name): p for p in (database / "vulns").iterdir() if p.is_dir()}
    for name in sorted(pinned):
        if name not in folders:
            continue
        records = []
        for path in sorted(folders[name].glob("*.yaml")):
            vendored = _vendored(yaml.safe_load(path.read_text()), name)
            if vendored is not None:
                records.append(vendored)
        if records:
            advisories[name] = records
    return {"source": source, "taken": taken, "packages": sorted(pinned), "advisories": advisories}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-age-days", type=int, default=None)
    parser.add_argument("--refresh", type=Path, metavar="ADVISORY_DATABASE_CHECKOUT")
    parser.add_argument("--source", default="PyPA advisory database")
    parser.add_argument("--taken", default=None, help="the checkout's date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    pinned = pins()
    if args.refresh:
        taken = args.taken or datetime.now(UTC).date().isoformat()
        data = refresh(args.refresh, pinned, source=args.source, taken=taken)
        SNAPSHOT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        count = sum(len(v) for v in data["advisories"].values())
        print(f"Vendored {count} advisories for {len(data['advisories'])} of our packages.")
        return 0
    try:
        snapshot = json.loads(SNAPSHOT.read_text())
    except (OSError, ValueError) as error:
        print(f"Cannot read {SNAPSHOT.name}: {error}")
        return 2
    age = snapshot_age(snapshot, datetime.now(UTC).date())
    missing = sorted(set(pinned) - set(snapshot.get("packages", [])))
    findings = audit(snapshot, pinned)
    print(
        f"{len(pinned)} pinned packages checked against {snapshot['source']} as of "
        f"{snapshot['taken']} ({age} days old)."
    )
    if missing:
        print("Not in the snapshot (refresh it): " + ", ".join(missing))
    for found in findings:
        fixed = f"; fixed in {', '.join(found.fixed_in)}" if found.fixed_in else ""
        also = f" ({', '.join(found.aliases)})" if found.aliases else ""
        print(f"{found.package} {found.version}: {found.advisory}{also}{fixed}. {found.summary}")
    if findings:
        return 1
    if args.max_age_days is not None and age > args.max_age_days:
        print(f"The snapshot is older than {args.max_age_days} days: refresh it.")
        return 2
    print("No known advisory affects a pinned version.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
