"""Frontends: the only code that reads framework file formats (installed as netcost.frontends)."""
