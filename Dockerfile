# watchdog in a container: slim, non-root, /healthz as the HEALTHCHECK, state on a volume.
#
#   docker build -t ops-watchdog .
#   docker run -d --name watchdog -p 9321:9321 -v watchdog-state:/var/lib/watchdog \
#     -e APP_URL=https://your-app.example.com -e SLACK_WEBHOOK_URL=... ops-watchdog
#
# The config is /etc/watchdog/watchdog.toml (the example; mount your own there or set
# WATCHDOG_CONFIG). The daemon listens on $PORT (9321 here; Railway and Fly set their own).
# With --build-arg RAILWAY_CLI=1 the image also gets the Railway CLI, for the example's
# `railway logs` source (it reads RAILWAY_TOKEN from the environment).

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY watchdog ./watchdog
COPY checks ./checks
COPY runbooks ./runbooks
RUN python -m venv /opt/watchdog && /opt/watchdog/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.12-slim
ARG RAILWAY_CLI=""
RUN if [ -n "$RAILWAY_CLI" ]; then \
      apt-get update && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
      && npm install -g @railway/cli && npm cache clean --force && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/watchdog --shell /usr/sbin/nologin watchdog \
    && mkdir -p /var/lib/watchdog /etc/watchdog && chown watchdog:watchdog /var/lib/watchdog
COPY --from=build /opt/watchdog /opt/watchdog
COPY config.example.toml /etc/watchdog/watchdog.toml
COPY runbooks /etc/watchdog/runbooks
COPY deploy/docker-entrypoint.sh /usr/local/bin/watchdog-entrypoint
ENV PATH=/opt/watchdog/bin:$PATH \
    WATCHDOG_CONFIG=/etc/watchdog/watchdog.toml \
    WATCHDOG_STATE_DIR=/var/lib/watchdog \
    PORT=9321 \
    PYTHONUNBUFFERED=1
VOLUME ["/var/lib/watchdog"]
EXPOSE 9321
USER watchdog
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '9321'), timeout=4)"]
ENTRYPOINT ["watchdog-entrypoint"]
CMD ["watchdog", "run", "--log-format", "json"]
