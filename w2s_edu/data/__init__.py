"""Data shipped with the package: the WordNet noun list, and the chess puzzles, rungs and records.

Every module finds these files through the constants here, so the data layout has one home.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
CHESS_DIR = DATA_DIR / "chess"  # puzzles.csv, ladder.json, build.json and the chess-s/m/l rung folders
