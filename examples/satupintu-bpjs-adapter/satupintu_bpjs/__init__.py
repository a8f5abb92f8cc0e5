"""An agency's own satupintu adapter, shipped apart from the gateway.

The gateway finds it through the `satupintu.adapters` entry point in `pyproject.toml`; nothing
in the gateway's code names it.
"""
