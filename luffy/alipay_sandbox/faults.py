"""This sandbox's misbehaviour switches (how they fire: luffy.common.sandbox.faults)."""

from luffy.common.sandbox.faults import FaultSwitches

from .models import Fault

FAULTS = {
    "api_unavailable": "server APIs answer a signed code 20000 (count)",
    "http_503": "gateway.do answers HTTP 503 (count)",
    "delay_ms": "server APIs answer after this many milliseconds (value, stays until reset)",
    "drop_notify": "a notify attempt is not sent, so it comes again on the retry schedule (count)",
    "duplicate_notify": "a notify attempt is POSTed twice (count)",
    "reorder_notify": "a new notify is held back until the trade's next notify was sent (count)",
    "wrong_amount_notify": "a notify attempt carries total_amount + 1.00, validly signed (count)",
    "bad_signature_notify": "a notify attempt carries a signature that does not verify (count)",
}

switches = FaultSwitches(Fault, FAULTS)
current, set_faults, reset = switches.current, switches.set_faults, switches.reset
consume, value = switches.consume, switches.value
