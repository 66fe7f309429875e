# tierwatch image: the agent and the collector (`tierwatch-agent`, `tierwatch-collector`).
#   docker build -t tierwatch .
# The `devices` stage adds snmpsim (in its own virtualenv, as scripts/setup.sh does) to serve the
# simulated devices of config/demo/devices for the docker-compose demo.
FROM python:3.11-slim AS tierwatch
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TIERWATCH_PROFILES_DIR=/opt/tierwatch/config/profiles
WORKDIR /opt/tierwatch
COPY pyproject.toml README.md ./
COPY tierwatch_common tierwatch_common
COPY agent agent
COPY collector collector
RUN pip install . && useradd --system --home-dir /var/lib/tierwatch --create-home tierwatch
COPY config config
COPY scripts scripts
USER tierwatch
WORKDIR /var/lib/tierwatch
EXPOSE 9847
CMD ["tierwatch-collector", "run", "--config", "/opt/tierwatch/config/demo/collector.yaml"]

FROM tierwatch AS devices
USER root
RUN python -m venv /opt/tierwatch/.venv-snmpsim \
 && /opt/tierwatch/.venv-snmpsim/bin/pip install 'snmpsim==1.2.2' 'pysmi>=1.5'
USER tierwatch
CMD ["python", "/opt/tierwatch/scripts/demo_devices.py", "--cache-dir", "/var/lib/tierwatch/snmpsim-cache"]
