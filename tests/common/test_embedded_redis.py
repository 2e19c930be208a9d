"""The embedded Redis of `make run` keeps its data across restarts (issue 14: a restart emptied
every cart); the test settings' private one keeps nothing."""

import redis

from luffy.common import embedded_redis


def client(directory):
    return redis.Redis(unix_socket_path=str(directory / embedded_redis.SOCKET_NAME))


def restart_keeps(directory, *, persist: bool) -> bytes | None:
    process = embedded_redis.start(directory, persist=persist)
    try:
        client(directory).set("luffy:cart:1", "course 7")
    finally:
        embedded_redis.stop(process)
    process = embedded_redis.start(directory, persist=persist)
    try:
        return client(directory).get("luffy:cart:1")
    finally:
        embedded_redis.stop(process)


def test_with_persistence_a_restart_keeps_the_data(tmp_path):
    assert restart_keeps(tmp_path, persist=True) == b"course 7"
    assert (tmp_path / embedded_redis.AOF_NAME).exists()


def test_without_persistence_nothing_is_written(tmp_path):
    assert restart_keeps(tmp_path, persist=False) is None
    assert not (tmp_path / embedded_redis.AOF_NAME).exists()
