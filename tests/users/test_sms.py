from luffy.users.sms import FileBackend


def test_file_backend_keeps_the_last_message_per_mobile(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    FileBackend().send("13900000001", "code 111111")
    FileBackend().send("13900000001", "code 222222")
    FileBackend().send("13900000002", "code 333333")
    assert (tmp_path / "sms" / "13900000001.txt").read_text() == "code 222222"
    assert (tmp_path / "sms" / "13900000002.txt").read_text() == "code 333333"
