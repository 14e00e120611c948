import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from .cache import shared_cache_ping

logger = logging.getLogger("candor.readiness")


def healthz(request):
    """Liveness probe for load balancers: no database, no templates, no session."""
    return HttpResponse("ok", content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.error("Readiness: the database does not answer (%s)", error)
        return False


@never_cache
def readyz(request):
    """Readiness probe: 200 when every service this node uses answers (the database, and
    Redis when REDIS_URL is set: cache, sessions' cache and task queue), else 503. The JSON
    names each check; the reason stays in the server's log (host names are not for anyone
    who asks). No session is read and no cookie set."""
    checks = {"database": "ok" if _database_answers() else "unavailable"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if shared_cache_ping(now=True) else "unavailable"
    ready = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
