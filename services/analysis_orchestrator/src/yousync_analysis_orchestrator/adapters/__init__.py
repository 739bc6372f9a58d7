"""Adapters of the orchestrator: gRPC servicer, conversions, dispatcher, outbox relay, live events, webhook
body, catalog client, dead letters. They convert and transport; the rules are in `service` and `domain`."""
