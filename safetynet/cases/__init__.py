"""Casework (POLICY §8): application → investigation → proposal → public notice → decision →
enrolment, with working-day deadlines. See docs/cases.md."""
