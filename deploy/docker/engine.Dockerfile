# syntax=docker/dockerfile:1
# The Rasa server: Rasa 3.6.21 (requirements/engine.lock) with our plug-ins (bot/engine/) and a model
# trained while the image is built, so that every replica serves the same model and starts without training.
# Build from the repository root: docker build -f deploy/docker/engine.Dockerfile -t effortless-engine .
FROM python:3.10-slim AS engine
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    PYTHONWARNINGS=ignore
# uid 10001, as in the app image: Rasa reads the credentials file the app image writes, owner-only.
RUN groupadd --system --gid 10001 effortless \
 && useradd --system --uid 10001 --gid effortless --create-home --shell /usr/sbin/nologin effortless \
 && install -d -o effortless -g effortless /run/effortless
WORKDIR /app
COPY requirements/engine.lock requirements/
RUN pip install -r requirements/engine.lock
# bot/engine/ imports rasa, the standard library, bot/language.py (the policy reads the conversation
# language with it), bot/sqlite_settings.py (the pragmas a SQLite tracker database gets) and
# bot/helpdesk/shown_lines.py (whether a helpdesk line already reached the chat), all standard library only; the __init__.py files make them importable.
COPY bot/__init__.py bot/language.py bot/sqlite_settings.py bot/
COPY bot/helpdesk/__init__.py bot/helpdesk/shown_lines.py bot/helpdesk/
COPY bot/engine/ bot/engine/
COPY config.yml domain.yml endpoints.production.yml ./

# The model's inputs are those of `python -m bot train` (bot/stack/model.py TRAINING_INPUTS).
FROM engine AS train
COPY data/nlu/ data/nlu/
COPY data/rules/ data/rules/
RUN rasa train --config config.yml --domain domain.yml --data data/nlu data/rules \
      --out models --fixed-model-name effortless

FROM engine
COPY --from=train /app/models/effortless.tar.gz models/effortless.tar.gz
USER effortless
EXPOSE 5005
# Rasa's / answers without the API token once the server is up.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]
# The launcher reads the API token from RASA_TOKEN or RASA_TOKEN_FILE, never from the command line.
ENTRYPOINT ["python", "-m", "bot.engine.serve"]
CMD ["--enable-api", "--cors", "*", "-i", "0.0.0.0", "-p", "5005", "-m", "models/effortless.tar.gz", \
     "--endpoints", "endpoints.production.yml", "--credentials", "/run/effortless/credentials.yml"]
