"""The bulletin board: the Saeol connector (JSON and RSS feeds), posts written in the console, and the
queries of the staff's board. Bodies are stored sanitised (``core.board.html``)."""
