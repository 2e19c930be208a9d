"""The video cloud interface: the tutorial's Polyv token request, the offline stand-in, and the
settings checks."""

import hashlib
import io
import json
import urllib.parse
from unittest import mock

import pytest
from django.core import signing

from luffy.access import checks, video_cloud
from luffy.access.video_cloud import Viewer, polyv_sign
from luffy.common.errors import ServiceUnavailable

VIEWER = Viewer(id=7, name="138****1234", ip="10.0.0.1")


def test_polyv_signature_is_the_tutorials_scheme():
    params = {"videoId": "v1", "userId": "u", "ts": 1}
    # keys in ASCII order, key+value, the secret before and after, MD5 upper case
    expected = hashlib.md5(b"sts1userIduvideoIdv1s").hexdigest().upper()  # noqa: S324
    assert polyv_sign(params, "s") == expected


def test_polyv_posts_the_signed_viewer_facts(settings):
    settings.VIDEO_CLOUD_PROVIDER = "polyv"
    settings.POLYV_USER_ID, settings.POLYV_SECRET_KEY = "acct", "secret"
    sent = {}

    def urlopen(request, timeout):
        sent.update(urllib.parse.parse_qsl(request.data.decode()))
        sent["url"] = request.full_url
        return io.BytesIO(json.dumps({"code": 200, "data": {"token": "tok-1"}}).encode())

    with mock.patch("luffy.access.video_cloud.urllib.request.urlopen", urlopen):
        token = video_cloud.video_cloud().player_token(video_id="vid-9", viewer=VIEWER)
    assert (token.provider, token.video_id, token.token) == ("polyv", "vid-9", "tok-1")
    assert sent["url"] == settings.POLYV_TOKEN_URL
    assert sent["viewerId"] == "7" and sent["viewerIp"] == "10.0.0.1"
    assert sent["viewerName"] == "138****1234" and sent["extraParams"] == "HTML5"
    sign = sent.pop("sign")
    sent.pop("url")
    assert sign == polyv_sign(sent, "secret")


@pytest.mark.parametrize("answer", [b'{"code": 403, "message": "sign error"}', b"<html>", None])
def test_polyv_failure_is_a_503_in_chinese(settings, answer):
    settings.VIDEO_CLOUD_PROVIDER = "polyv"

    def urlopen(request, timeout):
        if answer is None:
            raise OSError("timed out")
        return io.BytesIO(answer)

    with (
        mock.patch("luffy.access.video_cloud.urllib.request.urlopen", urlopen),
        pytest.raises(ServiceUnavailable) as caught,
    ):
        video_cloud.video_cloud().player_token(video_id="v", viewer=VIEWER)
    assert caught.value.code == "video_cloud_unavailable"


def test_the_offline_stand_in_signs_locally(settings):
    token = video_cloud.video_cloud().player_token(video_id="v-1", viewer=VIEWER)
    assert token.provider == "offline"
    assert signing.loads(token.token, salt="luffy.video-cloud.offline") == {
        "vid": "v-1",
        "viewer": 7,
    }
    assert token.ttl == settings.LESSON_LINK_TTL


def test_settings_checks(settings):
    assert checks.check_playback_settings() == []
    settings.LESSON_SENDFILE = "nginx"
    settings.VIDEO_CLOUD_PROVIDER = "youku"
    assert {m.id for m in checks.check_playback_settings()} == {"luffy.E101", "luffy.E102"}
    settings.LESSON_SENDFILE = "none"
    settings.VIDEO_CLOUD_PROVIDER = "polyv"
    settings.POLYV_USER_ID = ""
    assert {m.id for m in checks.check_playback_settings()} == {"luffy.E103"}
