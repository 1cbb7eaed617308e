"""The history a report reads, and what is decided on it: the commits read from one `git log`
into columns (`reading.py`, `columns.py` and its compiled twin `_speedups.c`), which deploy
first shipped which commit (`linking.py`), and whether each shipped commit counts
(`states.py`)."""
