"""Preloaded by the extraction pool's fork server: it ends when the process that started it
ends (``newsdesk/lifeline.py``), even when that one was killed with SIGKILL."""

from newsdesk.lifeline import bind_fork_server

bind_fork_server()
