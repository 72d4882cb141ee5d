"""One router per domain; each is mounted on the API in `waymark/api/api.py`."""
