import pytest

from luffy.users import tasks


class FlakyProvider:
    def __init__(self, failures: int):
        self.failures = failures
        self.sent: list[tuple[str, str]] = []

    def __call__(self, mobile, message):
        if self.failures:
            self.failures -= 1
            raise OSError("SMS provider timeout")
        self.sent.append((mobile, message))


@pytest.fixture
def provider(monkeypatch):
    flaky = FlakyProvider(failures=0)
    monkeypatch.setattr(tasks, "send_sms", flaky)
    return flaky


def test_redelivered_task_sends_once(provider):
    tasks.send_sms_task.apply(args=("13900000000", "hello", "m-3"), throw=False)
    tasks.send_sms_task.apply(args=("13900000000", "hello", "m-3"), throw=False)
    assert provider.sent == [("13900000000", "hello")]
