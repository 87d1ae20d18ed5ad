"""Canvas REST client: httpx, typed errors, frozen models. No Qt."""
