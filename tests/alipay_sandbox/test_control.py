"""The sandbox's control endpoints refuse requests without the control token: a web page on
another origin (which can POST there, but cannot read the token or send the header) can't
switch faults on or reset the sandbox."""

import json

import pytest

CROSS_ORIGIN = {
    "Origin": "https://evil.example",
    "Referer": "https://evil.example/page.html",
    "Content-Type": "text/plain",  # a "simple" request a browser sends without a preflight
}


@pytest.mark.parametrize(
    ("path", "method", "data"),
    [
        ("/sandbox/faults/", "POST", {"drop_notify": 5, "delay_ms": 9000}),
        ("/sandbox/faults/", "DELETE", None),
        ("/sandbox/reset/", "POST", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_without_the_token_is_refused_and_changes_nothing(sandbox, path, method, data, token):
    sandbox.faults(api_unavailable=2)  # some state the refused request must not touch
    headers = dict(CROSS_ORIGIN)
    if token is not None:
        headers["X-Sandbox-Token"] = token
    status, body = sandbox.request(path, method=method, data=data, headers=headers)
    assert status == 403, body
    assert json.loads(body)["code"] == "sandbox_token_required"
    status, current = sandbox.request("/sandbox/faults/", headers={})  # reading stays open
    assert status == 200
    current = json.loads(current)
    assert current["api_unavailable"] == 2
    assert current["drop_notify"] == 0 and current["delay_ms"] == 0


def test_with_the_token_works(sandbox):
    assert sandbox.faults(drop_notify=1)["drop_notify"] == 1
    status, _ = sandbox.request("/sandbox/reset/", method="POST", data={})
    assert status == 200
    assert sandbox.faults()["drop_notify"] == 0


def test_console_says_how_to_use_the_token(sandbox):
    status, html = sandbox.request("/sandbox/", headers={})
    assert status == 200
    assert "X-Sandbox-Token" in html and "alipay_sandbox_control_token" in html
    assert sandbox.token not in html


@pytest.mark.parametrize(
    "values",
    [
        {"drop_notify": 2, "delay_ms": -1},  # a bad value after a good one
        {"drop_notify": 2, "nope": 1},  # an unknown switch
        {"drop_notify": 2, "http_503": True},  # not a count
    ],
)
def test_a_bad_fault_value_sets_none_of_them(sandbox, values):
    status, body = sandbox.request("/sandbox/faults/", method="POST", data=values)
    assert status == 400, body
    assert "drop_notify" in json.loads(body)["faults"]  # names the known switches
    current = json.loads(sandbox.request("/sandbox/faults/", headers={})[1])
    assert current["drop_notify"] == 0
