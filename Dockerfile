# CPU image that serves Naturally on 0.0.0.0:8000; embedded state lives in the /data volume.
FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NATURALLY_DATA_DIR=/data \
    OMP_WAIT_POLICY=PASSIVE

WORKDIR /srv/naturally
COPY requirements.txt .
# The CPU build of torch (PyPI's default wheel carries CUDA and is several GB).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY app app
COPY engine engine
COPY templates templates
COPY static static
COPY data data

RUN useradd --create-home naturally && mkdir -p /data && chown naturally /data
USER naturally
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
