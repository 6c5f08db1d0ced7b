"""The ``socketio-broadcast`` kind against the seeds' exact stack: Node socket.io 4 + @socket.io/redis-adapter.

Skipped (with the reason) where node/npm are missing or the packages cannot be installed.
"""

from __future__ import annotations

import pytest

from tests.support.socketio_server import Replicas
from tests.test_check_socketio_broadcast import run
from watchdog.status import Status

pytestmark = [pytest.mark.filterwarnings("error::ResourceWarning"), pytest.mark.slow]


async def test_every_client_on_both_node_replicas_receives(node_socketio_replicas: Replicas) -> None:
    result = await run(node_socketio_replicas)
    assert (result.status, result.metrics["received"], result.metrics["lost"]) == (Status.OK, 5, 0)
    assert result.labels["transport"] == "websocket"


async def test_node_redis_killed_the_other_replica_misses_the_event(node_socketio_replicas: Replicas) -> None:
    node_socketio_replicas.redis.stop()
    result = await run(node_socketio_replicas)
    assert (result.status, result.metrics["lost"]) == (Status.CRITICAL, 2)
    assert result.summary.endswith(f"not delivered within 1s on {node_socketio_replicas.urls[1]} (2 lost)")


async def test_node_rejects_a_bad_token_with_its_message(node_socketio_replicas: Replicas) -> None:
    from tests.support.run_check import run_table

    table = {"type": "socketio", "url": node_socketio_replicas.urls[0], "auth": {"token": "${SIO_TOKEN}"}}
    result = await run_table(table, env={"SIO_TOKEN": "wrong"})
    assert result.summary == f"handshake rejected by 127.0.0.1:{node_socketio_replicas.ports[0]}: invalid token"


async def test_node_refuses_an_unknown_namespace(node_socketio_replicas: Replicas) -> None:
    from tests.support.run_check import run_table

    table = {"type": "socketio", "url": node_socketio_replicas.urls[0], "namespace": "/admin",
             "auth": {"token": "${SIO_TOKEN}"}}
    result = await run_table(table, env=node_socketio_replicas.env)
    assert result.summary == f"namespace '/admin' refused by 127.0.0.1:{node_socketio_replicas.ports[0]}: Invalid namespace"
