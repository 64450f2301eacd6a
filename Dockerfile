# fast-genai: the wheel on a slim Python, run as a non-root user.
#   docker build -t fast-genai .      (or: docker compose up, with compose.yaml)
# Stage 1 builds the wheel and pins the runtime dependencies from uv.lock (with hashes).
FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv
WORKDIR /src
COPY . .
RUN uv build --wheel --out-dir /dist \
 && uv export --frozen --no-dev --no-emit-project -o /dist/requirements.txt

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FAST_GENAI_DATA_DIR=/data \
    FAST_GENAI_CACHE_DIR=/tmp/fast-genai-cache \
    FAST_GENAI_WORKSPACES=default=/workspace
COPY --from=build /dist /dist
RUN pip install --require-hashes -r /dist/requirements.txt \
 && pip install --no-deps /dist/*.whl \
 && rm -rf /dist \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin fastgenai \
 && mkdir -p /data /workspace \
 && chown fastgenai:fastgenai /data /workspace
USER fastgenai
WORKDIR /workspace
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]
CMD ["fast-genai", "serve", "--host", "0.0.0.0", "--port", "8000"]
