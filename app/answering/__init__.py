"""Answering a question: retrieve, verify (which decides what may be claimed), compose.

The web page and the CLI call `Answerer.ask`; nothing in here knows about either.
"""
