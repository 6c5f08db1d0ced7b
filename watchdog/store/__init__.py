"""History store: results, alert states, the outbox, silences, events, windows."""
