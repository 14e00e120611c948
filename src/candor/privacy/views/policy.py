"""The published privacy policy, as a page and as data, and its history (P21, P24)."""

import difflib

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render

from .. import document, policy
from ..models import PolicyVersion


def _shown() -> tuple[dict, PolicyVersion | None]:
    """The version in effect; before anything is published, the draft the code describes."""
    version = policy.current()
    return (version.content if version else document.build()), version


def policy_page(request: HttpRequest) -> HttpResponse:
    content, version = _shown()
    return render(
        request,
        "privacy/policy.html",
        {"policy": content, "version": version, "upcoming": policy.upcoming()},
    )


def policy_json(request: HttpRequest) -> JsonResponse:
    content, version = _shown()
    upcoming = policy.upcoming()
    return JsonResponse(
        {
            "version": version.number if version else None,
            "last_updated": version.effective_at.isoformat() if version else None,
            "content_hash": version.content_hash if version else document.content_hash(content),
            "published": version is not None,
            "upcoming": {
                "version": upcoming.number,
                "effective_at": upcoming.effective_at.isoformat(),
            }
            if upcoming
            else None,
            "policy": content,
        },
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


def history(request: HttpRequest) -> HttpResponse:
    versions = list(PolicyVersion.objects.defer("content", "datamap").order_by("-number"))
    return render(request, "privacy/history.html", {"versions": versions})


def compare(request: HttpRequest) -> HttpResponse:
    """The history page's form: any two versions, in either order."""
    try:
        old, new = int(request.GET["old"]), int(request.GET["new"])
    except (KeyError, ValueError):
        return HttpResponseBadRequest("Choose two version numbers to compare.")
    if old < 1 or new < 1:  # the diff's address takes only whole numbers from 1
        return HttpResponseBadRequest("Version numbers start at 1.")
    return redirect("privacy:diff", old=min(old, new), new=max(old, new))


def diff(request: HttpRequest, old: int, new: int) -> HttpResponse:
    """A readable diff between any two versions: lines removed, added and kept."""
    found = {v.number: v for v in PolicyVersion.objects.filter(number__in=[old, new])}
    if old not in found or new not in found:
        raise Http404("No such policy version.")
    before, after = document.as_lines(found[old].content), document.as_lines(found[new].content)
    rows = []
    for line in difflib.ndiff(before, after):
        kind, text = line[:1], line[2:]
        if kind == "?":
            continue
        rows.append({"kind": {"+": "added", "-": "removed"}.get(kind, "same"), "text": text})
    return render(
        request,
        "privacy/diff.html",
        {
            "old": found[old],
            "new": found[new],
            "rows": rows,
            "changed": any(row["kind"] != "same" for row in rows),
            "versions": PolicyVersion.objects.values_list("number", flat=True).order_by("number"),
        },
    )
