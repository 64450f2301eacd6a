"""Users' integration credentials: the encrypted store, rekey, checks."""
