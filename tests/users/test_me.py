import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from luffy.users.models import User
from tests.conftest import client_for


def png_file(name="avatar.png", size=(32, 32)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
class TestMe:
    def test_needs_login(self, api_client):
        response = api_client.get("/api/users/me/")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_bad_token(self, api_client):
        response = api_client.get("/api/users/me/", HTTP_AUTHORIZATION="Bearer not-a-token")
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"

    def test_get(self, auth_client, user):
        body = auth_client.get("/api/users/me/").json()
        assert body == {
            "id": user.id,
            "username": user.username,
            "nickname": "",
            "display_name": f"{user.mobile[:3]}****{user.mobile[-4:]}",
            "mobile": user.mobile,
            "avatar": None,
            "credit": 0,
            "credit_to_money": 10,
            "credit_money": "0.00",
        }

    def test_change_username(self, auth_client, user):
        response = auth_client.patch("/api/users/me/", {"username": "new.name"})
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.username == "new.name"

    def test_username_taken_case_insensitively(self, auth_client, make_user):
        make_user(username="Taken")
        response = auth_client.patch("/api/users/me/", {"username": "taken"})
        assert response.status_code == 400
        assert response.json()["code"] == "username_taken"

    def test_username_cannot_be_someone_elses_mobile(self, auth_client, make_user):
        other = make_user(mobile="13677778888")
        response = auth_client.patch("/api/users/me/", {"username": other.mobile})
        assert response.status_code == 400
        assert response.json()["code"] == "username_is_mobile"

    def test_bad_username_characters(self, auth_client):
        response = auth_client.patch("/api/users/me/", {"username": "has space"})
        assert response.status_code == 400
        assert "username" in response.json()["errors"]

    def test_credit_cannot_be_changed(self, auth_client, user):
        response = auth_client.patch("/api/users/me/", {"credit": 99999}, format="json")
        assert response.status_code == 200
        assert response.json()["credit"] == 0
        user.refresh_from_db()
        assert user.credit == 0

    def test_change_mobile_needs_a_code_sent_to_the_new_number(self, auth_client, user, sms_outbox):
        new = "13766665555"
        no_code = auth_client.patch("/api/users/me/", {"mobile": new})
        assert no_code.status_code == 400
        assert no_code.json()["code"] == "sms_code_expired"
        auth_client.get(f"/api/users/sms/{new}/?purpose=change_mobile")
        code = re.search(r"\d{6}", sms_outbox[-1][1]).group()
        response = auth_client.patch("/api/users/me/", {"mobile": new, "sms_code": code})
        assert response.status_code == 200, response.json()
        user.refresh_from_db()
        assert user.mobile == new

    def test_change_mobile_to_a_taken_one(self, auth_client, make_user):
        other = make_user()
        response = auth_client.patch("/api/users/me/", {"mobile": other.mobile, "sms_code": "1"})
        assert response.status_code == 400
        assert response.json()["code"] == "mobile_taken"

    def test_avatar_upload(self, auth_client, user):
        response = auth_client.patch("/api/users/me/", {"avatar": png_file()}, format="multipart")
        assert response.status_code == 200, response.json()
        assert response.json()["avatar"].startswith("http://testserver/media/avatars/")
        user.refresh_from_db()
        assert user.avatar.name.endswith(".png")

    def test_avatar_that_is_not_an_image(self, auth_client):
        fake = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
        response = auth_client.patch("/api/users/me/", {"avatar": fake}, format="multipart")
        assert response.status_code == 400
        assert "avatar" in response.json()["errors"]

    def test_avatar_too_large(self, auth_client, settings):
        settings.AVATAR_MAX_BYTES = 100
        big = png_file(size=(64, 64))
        assert big.size > 100
        response = auth_client.patch("/api/users/me/", {"avatar": big}, format="multipart")
        assert response.status_code == 400
        assert "图片过大" in response.json()["errors"]["avatar"][0]

    def test_users_only_see_themselves(self, make_user):
        alice, bob = make_user(username="alice"), make_user(username="bob")
        assert client_for(alice).get("/api/users/me/").json()["username"] == "alice"
        assert client_for(bob).get("/api/users/me/").json()["username"] == "bob"


@pytest.mark.django_db
def test_credit_can_never_go_negative(user):
    from django.db import DataError, IntegrityError, transaction

    # PostgreSQL and SQLite enforce the check constraint; MariaDB's unsigned column refuses first.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        User.objects.filter(pk=user.pk).update(credit=-1)
