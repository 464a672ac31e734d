"""The Smart Lettering worker: a sidecar that works the durable job queue (``python -m lettering_worker``).
It imports ``core`` only, never the web app."""
