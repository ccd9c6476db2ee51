"""App Home: what each person sees (cards they may decide, decisions on work they can see)."""
