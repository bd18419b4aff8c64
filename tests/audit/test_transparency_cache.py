"""The transparency figures are recomputed once when they go stale, not by every worker."""

from django.core.cache import cache

from audit import transparency


def test_stale_figures_are_recomputed_by_one_request_while_others_get_the_stale_ones(
    db, monkeypatch
):
    cache.clear()
    computed = []

    def compute():
        computed.append(len(computed) + 1)
        return f"figures {len(computed)}"

    monkeypatch.setattr(transparency, "transparency_figures", compute)
    now = [1_000_000.0]

    def clock():
        return now[0]

    assert transparency.cached_transparency_figures(clock=clock) == "figures 1"
    now[0] += transparency.CACHE_SECONDS - 1
    assert transparency.cached_transparency_figures(clock=clock) == "figures 1"
    assert computed == [1]

    # Stale, and another worker is already recomputing: served the stale figures at once.
    now[0] += 2
    assert cache.add(transparency.LOCK_KEY, 1, 60)
    for _ in range(5):
        assert transparency.cached_transparency_figures(clock=clock) == "figures 1"
    assert computed == [1]

    # The lock free, the first request after expiry recomputes; the next ones are fresh.
    cache.delete(transparency.LOCK_KEY)
    assert transparency.cached_transparency_figures(clock=clock) == "figures 2"
    assert transparency.cached_transparency_figures(clock=clock) == "figures 2"
    assert computed == [1, 2]
    assert cache.get(transparency.LOCK_KEY) is None
