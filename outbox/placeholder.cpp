// Placeholder until the outbox room lands.
