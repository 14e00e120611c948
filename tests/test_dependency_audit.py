"""The offline dependency audit (scripts/audit_deps.py, docs/security.md "Dependency audit"):
the pins of requirements/*.txt against the vendored advisory snapshot. P14."""

import importlib.util
import json
import subprocess
import sys

import pytest
from packaging.version import Version

from tests.child_process import PROJECT_DIR

spec = importlib.util.spec_from_file_location("audit_deps", PROJECT_DIR / "scripts/audit_deps.py")
audit_deps = sys.modules["audit_deps"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)

SNAPSHOT = json.loads((PROJECT_DIR / "requirements/advisories.json").read_text())


def test_p14_the_pinned_dependencies_have_no_known_advisory():
    """What `make audit` runs: every pin, against the snapshot; it says how old that is."""
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts/audit_deps.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout
    assert f"as of {SNAPSHOT['taken']}" in result.stdout
    assert result.stdout.rstrip().endswith("No known advisory affects a pinned version.")


@pytest.mark.parametrize(
    ("package", "version", "advisory"),
    [
        ("django", "4.2.15", "PYSEC-2024-102"),  # urlize denial of service, fixed in 4.2.16
        ("django", "5.1", "PYSEC-2024-102"),
        ("requests", "2.30.0", "PYSEC-2023-74"),  # Proxy-Authorization leak, fixed in 2.31.0
        ("idna", "3.6", "PYSEC-2024-60"),  # fixed in 3.7
    ],
)
def test_p14_an_affected_pin_is_reported(package, version, advisory):
    """The control: the audit finds what the snapshot says, so a clean result means something."""
    found = audit_deps.audit(SNAPSHOT, {package: version})
    assert advisory in [f.advisory for f in found]


@pytest.mark.parametrize(("package", "version"), [("django", "4.2.16"), ("django", "5.1.1")])
def test_p14_a_fixed_version_is_not_reported_for_that_advisory(package, version):
    found = audit_deps.audit(SNAPSHOT, {package: version})
    assert "PYSEC-2024-102" not in [f.advisory for f in found]


@pytest.mark.parametrize(
    ("events", "version", "affected"),
    [
        ([{"introduced": "0"}, {"fixed": "2.0"}], "1.9", True),
        ([{"introduced": "0"}, {"fixed": "2.0"}], "2.0", False),
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4", True),
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "1.4.1", False),
        ([{"introduced": "1.0"}, {"last_affected": "1.4"}], "0.9", False),
        # Two branches in one range: 5.1 before 5.1.1, and 5.0 before 5.0.9.
        (
            [{"introduced": "5.1"}, {"fixed": "5.1.1"}, {"introduced": "5.0"}, {"fixed": "5.0.9"}],
            "5.0.8",
            True,
        ),
        (
            [{"introduced": "5.1"}, {"fixed": "5.1.1"}, {"introduced": "5.0"}, {"fixed": "5.0.9"}],
            "5.0.9",
            False,
        ),
        ([{"introduced": "3.0"}], "9.0", True),  # never fixed
    ],
)
def test_p14_osv_ranges_are_read_as_osv_defines_them(events, version, affected):
    assert audit_deps.in_range(Version(version), events) is affected


def test_p14_pins_are_read_from_the_hashed_lock_files():
    pinned = audit_deps.pins()
    assert pinned["django"].startswith("5.2.")
    assert "pytest" in pinned and "celery" in pinned
    assert all("\\" not in version and " " not in version for version in pinned.values())
