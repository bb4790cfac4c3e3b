"""jinja2 templates for the reports (installed as netcost.templates)."""
