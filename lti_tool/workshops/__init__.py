"""Workshop spaces: membership from launches, role checks, and the services pages call."""
