"""Data products: kinds of data an agency declares at run time, with no release of the gateway.

A declaration says what the product is (its name, key, record schema, scope, classification
and legal basis), which agency instances hold it (federated like any other kind), and how to
fetch it: declaratively (request template, JMESPath mapping, error signals; JSON or XML) or
through an installed Python adapter.
"""
