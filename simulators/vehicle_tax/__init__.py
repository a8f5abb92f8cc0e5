"""SAMSAT-like vehicle tax simulator (form in, XML out; rupiah strings)."""
