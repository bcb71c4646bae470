"""The lane's evidence as values, and what it means: plain data types and pure functions.

Checks import only this package, the lane profile (`lane`), the finding type (`finding`) and the
error a lazy evidence read raises (`errors`). Nothing here does I/O or imports a client library
(kubernetes, GitPython, httpx): readers build these values, checks judge them,
the drive acts on them.
"""
