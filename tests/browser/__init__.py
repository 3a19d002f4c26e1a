"""Real-browser tests (Playwright + Debian's Chromium); see conftest.py.

This folder is a package so that its conftest.py is imported as `browser.conftest`: without
it, pytest would import it under the plain name `conftest` and replace tests/conftest.py in
sys.modules, breaking `from conftest import ...` in the other test modules.
"""
