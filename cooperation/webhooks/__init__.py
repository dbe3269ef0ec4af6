"""Signed outgoing webhooks: the event registry, the outbox of deliveries, the sender."""
