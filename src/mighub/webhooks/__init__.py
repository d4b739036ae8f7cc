"""Webhooks: the event log delivered to HTTP endpoints, signed by the Standard
Webhooks specification (standardwebhooks.com).

- ``signing``: secrets (``whsec_…``) and the ``webhook-signature`` header.
- ``safety``: which URLs the hub will send to.
- ``endpoints``: managing endpoints (create, list, show, delete, disable,
  enable, rotate-secret, test, deliveries, redeliver), for the hub's API.
- ``delivery``: the dispatcher that sends each endpoint its events.

Delivery follows the log itself: an endpoint row keeps its ``position`` (the last
cursor dealt with), so an event costs nothing per endpoint when it is appended,
and each endpoint gets its events in cursor order. An event is delivered at
least once: the position moves past it only after a 2xx (or once its retries are
spent), so a replica killed mid-delivery leaves it to be sent again, with the
same ``webhook-id`` (the event's id). One replica at a time holds an endpoint
(a lease in its row), so replicas do not deliver the same event together.
"""
