"""BPN-like land registry: one Kantor Pertanahan per regency, land certificates in XML."""
