"""Tools for the course's authors: build ``lessons/`` and ``solutions/`` notebooks from one source per
lesson (:mod:`.build_lessons`), render solutions as web pages (:mod:`.render_solutions`), rebuild the
shipped WordNet noun list (:mod:`.build_wordnet_data`)."""
