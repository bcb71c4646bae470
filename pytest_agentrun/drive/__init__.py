"""Helpers that DRIVE a lane (criteria DR-*): used only with `--drive` or a confirming command."""
