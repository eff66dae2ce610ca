"""Signing in through the login page in a real browser (the one helper the browser tests use)."""

PASSWORD = "pass-for-tests-1"  # tests.helpers.city.make_user's password


def login_as(page, username: str, password: str = PASSWORD):
    """Sign `username` in on the login page (any earlier session dropped first); returns the
    page once the signed-in header shows."""
    page.context.clear_cookies()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.get_by_test_id("who").wait_for()
    return page
