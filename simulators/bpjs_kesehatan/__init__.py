"""BPJS Kesehatan-like JKN membership service (VClaim style: `metaData` envelope, coded values)."""
