"""WHEN: explosive-price tests (PSY) and log-periodic power-law fits (LPPLS)."""
