# tierwatch image: the agent, the collector and the demo hall (`tierwatch-agent`, `tierwatch-collector`,
# `tierwatch-demo`), installed as a wheel: the bundled profiles and example configs come with it.
#   docker build -t tierwatch .
FROM python:3.11-slim AS tierwatch
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY tierwatch_common tierwatch_common
COPY agent agent
COPY collector collector
COPY tierwatch_demo tierwatch_demo
COPY config config
RUN pip install . && cd / && rm -rf /src \
 && useradd --system --home-dir /var/lib/tierwatch --create-home --shell /usr/sbin/nologin tierwatch
USER tierwatch
WORKDIR /var/lib/tierwatch
EXPOSE 9847
CMD ["tierwatch-collector", "run", "--config", "/etc/tierwatch/collector.yaml"]
