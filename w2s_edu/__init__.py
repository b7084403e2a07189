"""w2s-edu: weak-to-strong generalization experiments for a course, from a laptop CPU to GPUs."""

__version__ = "0.1.0"
