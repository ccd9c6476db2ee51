# One image for every process of the department: web (python app.py), worker
# (python -m jobs.worker --no-cron), scheduler (python -m jobs.scheduler) and the one-off
# migration (python -m models.migrate). compose.yaml and the README's "Deployment" use it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LOG_FORMAT=json

WORKDIR /app
RUN useradd --create-home --uid 10001 department

# The dependencies first, in a layer of their own: a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['postgres']))" \
    > /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps -e . && chown -R department /app
USER department

# Slack's events (HTTP mode), /healthz and /readyz. Socket Mode needs no port.
EXPOSE 3000
CMD ["python", "app.py"]
