"""Simulated Indonesian agencies (Dukcapil, SAMSAT, OSS) built from one deterministic demo world.

They exist so the gateway's adapters talk to systems that differ on the wire the way the real
ones do; see ``CONTRACT.md`` for the exact contract.
"""
