"""Real parts the tests start on 127.0.0.1: HTTP services, redis-server, receivers."""
