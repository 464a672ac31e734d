"""Domain code shared by the web app and the lettering worker.

Nothing here imports Flask request machinery, a blueprint or the worker: the
worker builds its own SQLAlchemy session from :mod:`core.db` and calls the same
functions the views call.
"""
