"""This sandbox's misbehaviour switches (how they fire: luffy.common.sandbox.faults)."""

from luffy.common.sandbox.faults import FaultSwitches

from .models import Fault

FAULTS = {
    "system_error": "v3 接口应答 500 SYSTEM_ERROR（已签名）（次数）",
    "frequency_limited": "v3 接口应答 429 FREQUENCY_LIMITED（已签名）（次数）",
    "bad_answer_signature": "v3 接口应答的签名验不过（次数）",
    "delay_ms": "v3 接口延迟这么多毫秒再应答（数值，清除前一直有效）",
    "drop_notify": "一次通知不发出，按重试时间表再来（次数）",
    "duplicate_notify": "一次通知连发两遍（次数）",
    "late_notify": "新通知的第一次投递推迟一小时（乘以时间倍率）（次数）",
    "reorder_notify": "新通知暂缓，等该交易的下一条通知发出后再发（次数）",
    "wrong_amount_notify": "通知里的金额多 100 分，签名和加密都正确（次数）",
    "bad_signature_notify": "一次通知的签名验不过（次数）",
}

switches = FaultSwitches(Fault, FAULTS)
current, set_faults, reset = switches.current, switches.set_faults, switches.reset
consume, value = switches.consume, switches.value
