"""Metrics sinks: the same report, sent where engineering leads already look. Each sink module
imports its own libraries (prometheus_client, protobuf, requests) only when it is used."""
