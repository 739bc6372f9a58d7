"""Our channels' keepalive pings are ones our servers accept: a server that received pings more often than
it allows answers GOAWAY "too_many_pings" (ENHANCE_YOUR_CALM), which fails every call on the connection;
under a quiet WatchJob stream (ten thousand SSE watchers of a queued job) that happened after ~90 s."""

from __future__ import annotations

from yousync_platform import client, server


def test_client_pings_no_more_often_than_servers_allow() -> None:
    assert client.KEEPALIVE_TIME_MS >= server.MIN_PING_INTERVAL_MS
    assert server.MIN_PING_INTERVAL_MS < 300_000, "gRPC's default (5 min) strikes a 30 s keepalive"
