import { describe, expect, it } from 'vitest'
import { maskMobile, userDisplayName } from '../src/utils/format'
import { errorText } from '../src/utils/messages'

describe('the header never shows a whole mobile number', () => {
  it('masks an 11-digit number as 138****1234', () => {
    expect(maskMobile('13812341234')).toBe('138****1234')
    expect(maskMobile('')).toBe('')
    expect(maskMobile(undefined)).toBe('')
  })
  it('shows the nickname, else the masked mobile (registration makes the username the mobile)', () => {
    expect(userDisplayName({ nickname: '小明', mobile: '13812341234', username: '13812341234' })).toBe('小明')
    expect(userDisplayName({ nickname: '', mobile: '13812341234', username: '13812341234' })).toBe('138****1234')
    expect(userDisplayName({ nickname: '', mobile: '13812341234', username: 'luffy' })).toBe('luffy')
    expect(userDisplayName(null)).toBe('')
  })
})

describe('account error codes read in Chinese', () => {
  it('has texts for the self-service codes', () => {
    expect(errorText({ code: 'mobile_registered', detail: 'x' })).toBe('该手机号已注册，请直接登录。')
    expect(errorText({ code: 'mobile_not_registered', detail: 'x' })).toMatch(/尚未注册/)
    expect(errorText({ code: 'wrong_password', detail: 'x' })).toBe('原密码错误。')
  })
  it('prefers the Chinese detail when it carries facts (how long to wait)', () => {
    expect(errorText({ code: 'sms_too_soon', detail: '验证码已发送到该号码，45 秒后可重新获取。' })).toMatch(/45 秒/)
    expect(errorText({ code: 'sms_too_soon', detail: 'A code was sent recently' })).toMatch(/稍后/)
  })
})

describe('an order amount says 实付 only when money was paid', () => {
  it('labels by status', async () => {
    const { amountLabel } = await import('../src/utils/messages')
    expect(amountLabel(0)).toBe('应付')
    expect(amountLabel(1)).toBe('实付')
    expect(amountLabel(2)).toBe('订单金额')
    expect(amountLabel(3)).toBe('订单金额')
    expect(amountLabel(4)).toBe('实付')
  })
})

describe('redeem-code errors read in Chinese', () => {
  it('has a text for each code, and prefers the API Chinese detail for the per-student limit', () => {
    expect(errorText({ code: 'redeem_code_not_found', detail: 'No such code' })).toMatch(/兑换码不存在/)
    expect(errorText({ code: 'redeem_code_used_up', detail: 'x' })).toBe('该兑换码已被兑完。')
    expect(errorText({ code: 'redeem_code_expired', detail: 'x' })).toBe('该兑换码已过期。')
    expect(errorText({ code: 'redeem_code_limit_reached', detail: 'You have already redeemed this code.' })).toMatch(/上限/)
    expect(errorText({ code: 'redeem_code_limit_reached', detail: '你已兑换过 2 次该兑换码，已达上限。' })).toMatch(/2 次/)
  })
})
