import { describe, expect, it } from 'vitest'
import { creditCapText, orderAsQuote, previewPayload, previewRecovery } from '../src/utils/checkout'
import { couponFace, formatPrice, formatTimeLeft, secondsUntil } from '../src/utils/format'
import { couponGroup, couponReason, errorText, orderStatus } from '../src/utils/messages'

// The page computes no money (utils/money.js is gone): it shows POST /api/orders/preview/.
describe('checkout preview', () => {
  it('asks for the page\'s choices, no coupon as null and bad credit as 0', () => {
    expect(previewPayload(7, 300)).toEqual({ coupon_id: 7, credit: 300 })
    expect(previewPayload(0, 0)).toEqual({ coupon_id: null, credit: 0 })
    expect(previewPayload(null, -5)).toEqual({ coupon_id: null, credit: 0 })
    expect(previewPayload(3, 12.7)).toEqual({ coupon_id: 3, credit: 0 })
    expect(previewPayload(3, undefined)).toEqual({ coupon_id: 3, credit: 0 })
  })
  it('takes the cap the server names when the points are too many', () => {
    expect(previewRecovery({ code: 'credit_exceeds_total', max_credit: 300 })).toEqual({ credit: 300 })
    expect(previewRecovery({ code: 'credit_exceeds_balance', max_credit: 40 })).toEqual({ credit: 40 })
    expect(previewRecovery({ code: 'credit_exceeds_total' })).toEqual({ credit: 0 })
  })
  it('chooses the coupon again when it no longer fits', () => {
    for (const code of ['coupon_used', 'coupon_reserved', 'coupon_expired', 'coupon_below_minimum', 'coupon_not_found']) {
      expect(previewRecovery({ code })).toEqual({ coupon: null })
    }
  })
  it('is blocked by what no choice can fix', () => {
    for (const code of ['pending_order', 'already_purchased', 'course_unavailable', 'cart_empty', 'order_total_too_large']) {
      expect(previewRecovery({ code })).toEqual({ blocked: true })
    }
    expect(previewRecovery(undefined)).toEqual({ blocked: true })
  })
  it('shows a placed order\'s figures as they are, after a price change', () => {
    const order = {
      order_number: '2026', total_price: '150.00', sale_amount: '20.00', discounted_price: '130.00',
      coupon_amount: '20.00', credit: 300, credit_amount: '30.00', real_price: '80.00',
      lines: [{ course_id: 1, name: 'Python', price: '100.00', real_price: '80.00' }],
    }
    const q = orderAsQuote(order)
    expect(q).toMatchObject({ total_price: '150.00', sale_amount: '20.00', coupon_amount: '20.00', credit: 300, credit_amount: '30.00', real_price: '80.00', coupons: [] })
    expect(q.lines[0]).toEqual(order.lines[0])
  })
  it('says the credit cap in words', () => {
    expect(creditCapText({ credit_balance: 800, max_credit: 500, max_credit_amount: '50.00' }, formatPrice)).toBe('最多可用 500 积分（可抵 ¥50.00）')
    expect(creditCapText({ credit_balance: 0, max_credit: 0, max_credit_amount: '0.00' }, formatPrice)).toBe('暂无可用积分')
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
