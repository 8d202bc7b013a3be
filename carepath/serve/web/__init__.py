"""A web explainer served by ``carepath serve`` at ``/`` (see docs/web-explainer.md): choose a
rule set or the care path, answer the questions in the order the interview asks them, and see
after each answer what holds, what is still open and why, what does not apply and why not, each
with its source; then change a parameter or pick an overlay and see what moves.

Server-rendered HTML (jinja2) and a little script, all served from the package; the basic flow
works without JavaScript. Nothing is stored on the server and nothing is logged.
"""

from carepath.serve.web.routes import FORM_PATHS, mount

__all__ = ["FORM_PATHS", "mount"]
