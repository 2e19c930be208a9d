import { http } from './http'

// {total, coupons: [...]}; usableFor 'selected' judges each coupon against the selected cart lines.
export const coupons = (usableFor) =>
  http.get('/coupons/', { params: usableFor ? { usable_for: usableFor } : {} }).then((r) => r.data)

// Redeem a code (兑换码): the new coupon, shaped as one of coupons().coupons.
export const redeemCode = (code) => http.post('/coupons/redeem/', { code }).then((r) => r.data)
