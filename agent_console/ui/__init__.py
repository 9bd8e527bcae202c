"""Textual user interface: screens, widgets and the stylesheet. Calls services, never SQL."""
