"""When the Redis store's COMMIT refreshes a room's keys (server/store/expiry.py)."""

from __future__ import annotations

from server.store.expiry import KEPT_AT_MOST, REFRESH_AT_MOST_EVERY, ExpiryRefresh


def refresh_at(now: list[float]) -> ExpiryRefresh:
    return ExpiryRefresh(clock=lambda: now[0])


def test_first_commit_then_at_most_every_ttl_over_sixty_capped_at_a_minute() -> None:
    now = [0.0]
    refresh = refresh_at(now)
    assert refresh.due("AAAAAA", 600)
    refresh.done("AAAAAA", 600, now[0])
    now[0] = 9.9
    assert not refresh.due("AAAAAA", 600)  # 600 / 60 = 10 s
    assert refresh.due("BBBBBB", 600)  # rooms apart
    now[0] = 10.0
    assert refresh.due("AAAAAA", 600)
    refresh.done("AAAAAA", 4 * 3600, now[0])
    now[0] = 10.0 + REFRESH_AT_MOST_EVERY - 0.1
    assert not refresh.due("AAAAAA", 4 * 3600)  # 240 s would be too long: a minute at most
    now[0] = 10.0 + REFRESH_AT_MOST_EVERY
    assert refresh.due("AAAAAA", 4 * 3600)


def test_another_ttl_or_an_erased_room_refreshes_at_once() -> None:
    now = [0.0]
    refresh = refresh_at(now)
    refresh.done("AAAAAA", 600, now[0])
    assert refresh.due("AAAAAA", 60)  # a shorter expiry must not wait for the longer one's turn
    refresh.done("BBBBBB", 600, now[0])
    refresh.forget("BBBBBB")
    assert refresh.due("BBBBBB", 600)


def test_remembers_a_bounded_number_of_rooms() -> None:
    now = [0.0]
    refresh = refresh_at(now)
    for n in range(KEPT_AT_MOST):
        refresh.done(f"R{n}", 600, now[0])
    now[0] = REFRESH_AT_MOST_EVERY  # every one of them is due again: forgetting them costs nothing
    refresh.done("NEW", 600, now[0])
    assert len(refresh._last) == 1 and not refresh.due("NEW", 600)
    for n in range(KEPT_AT_MOST - 1):  # all recent: the next one starts the memory afresh
        refresh.done(f"S{n}", 600, now[0])
    assert len(refresh._last) == KEPT_AT_MOST
    refresh.done("LAST", 600, now[0])
    assert len(refresh._last) == 1 and not refresh.due("LAST", 600)
