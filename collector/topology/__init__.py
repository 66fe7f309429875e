"""The hall as a model: power paths, cooling rooms, what depends on what (see model.py)."""
