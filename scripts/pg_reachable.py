"""Exit 0 when the PostgreSQL URL given as argv[1] accepts a connection."""
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
