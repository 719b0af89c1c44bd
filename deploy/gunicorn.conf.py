"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'compliance:create_app()'`.

Sync workers: a threaded worker with keep-alive halved throughput on this kind of machine
(ARCHITECTURE.md). Workers = 2 × cores + 1 is gunicorn's own rule of thumb; it keeps pages
answering while long imports and exports hold workers. The clock-in API alone is CPU-bound and
is served best with one worker per core (README, Performance): set COMPLIANCE_WORKERS then.
"""
import multiprocessing
import os

bind = os.environ.get("COMPLIANCE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("COMPLIANCE_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 60  # large imports and exports finish well within this
graceful_timeout = 30
max_requests = 2000  # recycle workers slowly to bound memory growth
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("COMPLIANCE_PROXY_IPS", "127.0.0.1")
