"""Smart Lettering domain logic, shared by the web app (ingest, console, citizens' pages)
and the worker (dispatch)."""
