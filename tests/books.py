"""The books check as a test assertion: call it after any flow or race."""

from luffy.payments.books import books_check


def assert_books_balanced() -> None:
    anomalies = books_check()
    assert not anomalies, "the books do not balance:\n" + "\n".join(map(str, anomalies))
