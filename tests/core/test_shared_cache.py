"""The shared cache (Redis) going away must not take the shop with it (candor.core.cache).

Each test runs the project's cache backend against a redis-server of its own, then kills it
(gone, connections refused) or freezes it (SIGSTOP: the port stays open, nothing answers, the
data is kept, as with a hung or cut-off Redis)."""

import logging
from importlib import import_module

import pytest

from candor.core.cache import shared_cache_down, shared_cache_ping

pytestmark = pytest.mark.django_db


def cache_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "candor.cache"]


def test_a_dead_redis_answers_like_an_empty_cache(redis_cache, own_redis, caplog):
    redis_cache.set("kept", "value")
    assert redis_cache.get("kept") == "value"
    own_redis.kill()

    with caplog.at_level(logging.WARNING, logger="candor.cache"):
        assert redis_cache.get("kept") is None
        assert redis_cache.get("kept", "default") == "default"
        assert redis_cache.get_many(["kept", "other"]) == {}
        assert redis_cache.has_key("kept") is False
        assert redis_cache.add("new", 1) is True  # "stored", and forgotten at once
        with pytest.raises(ValueError):
            redis_cache.incr("new")
        redis_cache.set("kept", "changed")
        redis_cache.set_many({"a": 1, "b": 2})
        assert redis_cache.delete("kept") is False
        redis_cache.delete_many(["a", "b"])
        assert redis_cache.touch("kept") is False
        assert redis_cache.clear() is False

    assert shared_cache_down() is True
    errors = cache_errors(caplog)
    assert len(errors) == 1  # once, not once per call
    assert errors[0].startswith("The shared cache (Redis) is unreachable (Error 111 connecting")


def test_redis_is_left_alone_during_the_pause_then_used_again(redis_cache, own_redis, caplog):
    own_redis.kill()
    assert redis_cache.get("k") is None
    assert shared_cache_down() is True
    own_redis.start()  # back on the same port, empty

    # Within the pause nothing is sent to Redis: the write is not there afterwards.
    redis_cache.set("k", "during the pause")
    assert redis_cache.get("k") is None
    assert shared_cache_down() is True

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="candor.cache"):
        assert shared_cache_ping(now=True) is True
    assert shared_cache_down() is False
    assert redis_cache.get("k") is None
    redis_cache.set("k", "after")
    assert redis_cache.get("k") == "after"
    (back,) = cache_errors(caplog)
    assert back.startswith("The shared cache (Redis) answers again after ")
    assert back.endswith(" s; 1 keys written meanwhile were deleted")


def test_a_hung_redis_costs_a_short_timeout_not_an_error(redis_cache, own_redis):
    """A Redis that accepts connections and never answers: the read times out (0.2 s here)
    and is a miss."""
    redis_cache.set("k", "v")
    own_redis.freeze()
    assert redis_cache.get("k") is None
    assert shared_cache_down() is True
    own_redis.thaw()
    assert shared_cache_ping(now=True) is True
    assert redis_cache.get("k") == "v"


def test_what_was_written_during_the_outage_is_not_read_back_stale(redis_cache, own_redis):
    """Redis kept its data while nobody could reach it: a value changed or deleted meanwhile
    must not come back as the old one. Its key is deleted as soon as Redis answers."""
    redis_cache.set_many({"changed": "old", "deleted": "old", "untouched": "old"})
    own_redis.freeze()
    redis_cache.set("changed", "new")  # times out: Redis still holds "old"
    redis_cache.delete("deleted")
    own_redis.thaw()

    assert shared_cache_ping(now=True) is True
    assert redis_cache.get_many(["changed", "deleted", "untouched"]) == {"untouched": "old"}


def test_sessions_fall_back_to_the_database_and_a_sign_out_stays_signed_out(
    redis_cache, own_redis, settings
):
    """cached_db sessions during an outage: read and written in the database; a session
    deleted while Redis was unreachable (sign-out, account disabled) is not brought back by
    the copy Redis still holds."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    engine = import_module(settings.SESSION_ENGINE)
    signed_out = engine.SessionStore()
    signed_out["_auth_user_id"] = "7"
    signed_out.save()
    assert redis_cache.get(signed_out.cache_key) == {"_auth_user_id": "7"}

    own_redis.freeze()
    signed_out.flush()  # deleted from the database; the delete in Redis times out
    during = engine.SessionStore()
    during["cart_id"] = 3
    during.save()
    assert engine.SessionStore(session_key=during.session_key).load() == {"cart_id": 3}
    own_redis.thaw()

    assert shared_cache_ping(now=True) is True
    old_key = signed_out.cache_key.removeprefix(engine.SessionStore.cache_key_prefix)
    assert engine.SessionStore(session_key=old_key).load() == {}
    assert engine.SessionStore(session_key=during.session_key).load() == {"cart_id": 3}
