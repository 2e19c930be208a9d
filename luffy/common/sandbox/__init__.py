"""What the offline gateway sandboxes (luffy.alipay_sandbox, luffy.wechat_sandbox) share: the
notify runner (claim, send, retry), the fault switches, the control endpoints (fault switches
and reset behind the control token, /healthz) and the models those need. Each sandbox keeps only
what is its protocol's: signing, message shapes, error codes and pages.

Each part is parametrised by the sandbox's own models and its settings prefix (e.g.
"ALIPAY_SANDBOX" for ALIPAY_SANDBOX_NOTIFY_RUNNER, ALIPAY_SANDBOX_CONTROL_TOKEN, ...). Nothing
here imports a sandbox, and the store never imports this package."""
