"""PostgreSQL, as Django's backend, with a bound on how long anyone waits for an answer.

Connect, statement and lock timeouts (settings.py) cover a slow query and a held lock: the
server ends them. A server that answers nothing at all -- frozen, or behind a network that
drops packets -- ends nothing; the waiting is bounded here instead (``base.py``).
"""
