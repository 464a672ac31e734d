"""One package per area. Every package exposes ``bp``; ``create_app`` registers them all,
and calls the package's ``init_app(app)`` when it has one (CLI groups, exemptions)."""
