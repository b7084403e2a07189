"""The chess task: puzzles and their exact search (:mod:`.puzzles`, needs python-chess), the Lichess puzzle
CSV format (:mod:`.lichess`), and the registered ``chess-puzzles`` task (:mod:`.task`)."""
