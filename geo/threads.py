"""The server process's threads: how long a script run keeps the interpreter from the thread
that serves the page (issue 14's cold start).

Streamlit runs each script run in a thread of its own, beside its event loop's thread, which
serves the page's files and sends the sessions' messages. A thread that wants the
interpreter (its global lock) gets it only once the thread holding it has run for the
*switch interval*, 5 ms by default, and it asks again at each step of a request. While the
first run after a start imports the app's libraries (0.7 s of Python), a browser opening the
page asks this process for some 70 files: each waited that way, and so did the run's own
messages. At 1 ms (:data:`SWITCH_INTERVAL_S`), a cold start went from 3.35 s to 3.20 s
(median of 8 starts each, alternated); a thread that computes alone is not interrupted.

Set when this module is first imported: the app imports it first (see app.py).
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL_S = 0.001

sys.setswitchinterval(SWITCH_INTERVAL_S)
