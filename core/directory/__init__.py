"""The staff directory: import (``importer``), the in-memory index (``index``), ranked search
(``search``), the voice-dialling matcher (``voice``) and per-user favourites and recents
(``personal``)."""
