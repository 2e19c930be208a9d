import { describe, expect, it } from 'vitest'
import { centsToString, checkoutAmounts, creditCents, maxCredit, toCents } from '../src/utils/money'
import { couponFace, formatTimeLeft, secondsUntil } from '../src/utils/format'
import { couponGroup, couponReason, errorText, orderStatus } from '../src/utils/messages'

describe('cents', () => {
  it('reads money strings without floats', () => {
    expect(toCents('12.50')).toBe(1250)
    expect(toCents('0.1')).toBe(10)
    expect(toCents('99')).toBe(9900)
    expect(toCents('0.29')).toBe(29) // 0.29 * 100 is 28.999... as a float
    expect(toCents('1.005')).toBe(101) // half up, as the server
    expect(toCents(null)).toBeNull()
    expect(toCents('-1.00')).toBeNull()
    expect(toCents('abc')).toBeNull()
  })
  it('writes two places', () => {
    expect(centsToString(1250)).toBe('12.50')
    expect(centsToString(5)).toBe('0.05')
    expect(centsToString(0)).toBe('0.00')
    expect(centsToString(-3)).toBe('0.00')
  })
})

describe('credit', () => {
  it('is worth points / perYuan yuan, rounded half up to cents', () => {
    expect(creditCents(500, 10)).toBe(5000)
    expect(creditCents(7, 10)).toBe(70)
    expect(creditCents(1, 3)).toBe(33) // 0.333 -> 0.33
    expect(creditCents(2, 3)).toBe(67) // 0.667 -> 0.67
    expect(creditCents(1, 200)).toBe(1) // 0.005 -> 0.01
    expect(creditCents(0, 10)).toBe(0)
  })
  it('is capped by the balance and by what is left to pay', () => {
    expect(maxCredit(500, 10000, 10)).toBe(500) // balance is the limit
    expect(maxCredit(5000, 1234, 10)).toBe(123) // 12.34 yuan -> 123 points (12.30)
    expect(maxCredit(5000, 0, 10)).toBe(0)
    expect(maxCredit(0, 1000, 10)).toBe(0)
    expect(maxCredit(100, 67, 3)).toBe(2) // never more than the amount is worth
  })
})

describe('checkout amounts', () => {
  const base = { total: '199.00', couponDiscount: null, balance: 500, perYuan: 10, credit: 0 }

  it('without coupon or credit pays the total', () => {
    expect(checkoutAmounts(base)).toMatchObject({ maxCredit: 500, credit: 0, creditMoney: '0.00', realPrice: '199.00' })
  })
  it('takes the coupon off first, then the credit', () => {
    const a = checkoutAmounts({ ...base, couponDiscount: '20.00', credit: 300 })
    expect(a).toMatchObject({ couponDiscount: '20.00', left: '179.00', credit: 300, creditMoney: '30.00', realPrice: '149.00' })
  })
  it('clamps the credit to the cap after the coupon', () => {
    const a = checkoutAmounts({ ...base, total: '30.00', couponDiscount: '25.50', credit: 500 })
    expect(a.maxCredit).toBe(45)
    expect(a).toMatchObject({ credit: 45, creditMoney: '4.50', realPrice: '0.00' })
  })
  it('ignores bad credit input', () => {
    expect(checkoutAmounts({ ...base, credit: -5 }).credit).toBe(0)
    expect(checkoutAmounts({ ...base, credit: 'abc' }).credit).toBe(0)
    expect(checkoutAmounts({ ...base, credit: 12.7 }).credit).toBe(12)
  })
  it('never lets a coupon make the total negative', () => {
    expect(checkoutAmounts({ ...base, total: '10.00', couponDiscount: '20.00' })).toMatchObject({ couponDiscount: '10.00', realPrice: '0.00', maxCredit: 0 })
  })
})

describe('time left to pay', () => {
  it('shows days, hours, minutes or seconds', () => {
    expect(formatTimeLeft(45296)).toBe('12小时34分')
    expect(formatTimeLeft(3600)).toBe('1小时00分')
    expect(formatTimeLeft(125)).toBe('2分05秒')
    expect(formatTimeLeft(59)).toBe('0分59秒')
    expect(formatTimeLeft(90000)).toBe('1天1小时')
    expect(formatTimeLeft(0)).toBe('已超时')
    expect(formatTimeLeft(-10)).toBe('已超时')
  })
  it('counts seconds to a deadline', () => {
    const now = Date.parse('2026-05-01T10:00:00Z')
    expect(secondsUntil('2026-05-01T10:05:00Z', now)).toBe(300)
    expect(secondsUntil('2026-05-01T18:00:00+08:00', now)).toBe(0)
    expect(secondsUntil('2026-05-01T09:59:00Z', now)).toBe(-60)
    expect(secondsUntil('nonsense', now)).toBe(0)
  })
})

describe('coupons', () => {
  it('shows the face value of the sale rule', () => {
    expect(couponFace('-20')).toBe('¥20')
    expect(couponFace('-12.50')).toBe('¥12.50')
    expect(couponFace('*0.85')).toBe('8.5折')
    expect(couponFace('*0.9')).toBe('9折')
    expect(couponFace('*0.80')).toBe('8折')
  })
  it('explains in Chinese why a coupon cannot be used', () => {
    const c = { min_amount: '100.00', start: '2026-05-01T00:00:00Z', end: '2026-06-01T00:00:00Z', reason: 'English' }
    expect(couponReason({ ...c, reason_code: null })).toBe('')
    expect(couponReason({ ...c, reason_code: 'coupon_used' })).toBe('已使用')
    expect(couponReason({ ...c, reason_code: 'coupon_below_minimum' }, '88.00')).toBe('满 ¥100.00 可用（当前 ¥88.00）')
    expect(couponReason({ ...c, reason_code: 'coupon_expired' })).toMatch(/^已于 2026-0\d-\d\d \d\d:\d\d 过期$/)
    expect(couponReason({ ...c, reason_code: 'something_new' })).toBe('English')
  })
  it('groups my coupons into usable, used and expired', () => {
    expect(couponGroup({ status: 'unused', reason_code: null })).toBe('usable')
    expect(couponGroup({ status: 'unused', reason_code: 'coupon_not_started' })).toBe('usable')
    expect(couponGroup({ status: 'used', reason_code: 'coupon_used' })).toBe('used')
    expect(couponGroup({ status: 'reserved by an order', reason_code: 'coupon_reserved' })).toBe('used')
    expect(couponGroup({ status: 'unused', reason_code: 'coupon_expired' })).toBe('expired')
  })
})

describe('messages', () => {
  it('turns API codes into Chinese, falling back to the detail', () => {
    expect(errorText({ code: 'pending_order', detail: 'x' })).toMatch(/未支付订单/)
    expect(errorText({ code: 'brand_new', detail: 'The detail.' })).toBe('The detail.')
    expect(errorText(undefined)).toBe('操作失败，请重试')
  })
  it('names order statuses', () => {
    expect(orderStatus(0).text).toBe('待支付')
    expect(orderStatus(1).text).toBe('已支付')
    expect(orderStatus(9).text).toBe('未知状态')
  })
})
