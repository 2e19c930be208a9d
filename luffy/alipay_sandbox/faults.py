"""This sandbox's misbehaviour switches (how they fire: luffy.common.sandbox.faults)."""

from luffy.common.sandbox.faults import FaultSwitches

from .models import Fault

FAULTS = {
    "api_unavailable": "服务端接口应答已签名的 20000 错误码（次数）",
    "http_503": "gateway.do 应答 HTTP 503（次数）",
    "delay_ms": "服务端接口延迟这么多毫秒再应答（数值，清除前一直有效）",
    "drop_notify": "一次通知不发出，按重试时间表再来（次数）",
    "duplicate_notify": "一次通知连发两遍（次数）",
    "reorder_notify": "新通知暂缓，等该交易的下一条通知发出后再发（次数）",
    "wrong_amount_notify": "通知里的 total_amount 多 1.00 元，签名正确（次数）",
    "bad_signature_notify": "一次通知的签名验不过（次数）",
}

switches = FaultSwitches(Fault, FAULTS)
current, set_faults, reset = switches.current, switches.set_faults, switches.reset
consume, value = switches.consume, switches.value
