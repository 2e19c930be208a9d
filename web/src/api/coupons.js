import { http } from './http'

// {total, coupons: [...]}; usableFor 'selected' judges each coupon against the selected cart lines.
export const coupons = (usableFor) =>
  http.get('/coupons/', { params: usableFor ? { usable_for: usableFor } : {} }).then((r) => r.data)

// Redeem a code (兑换码): the new coupon, shaped as one of coupons().coupons. Silent: the page
// shows the error next to the code box.
export const redeemCode = (code) =>
  http.post('/coupons/redeem/', { code }, { silent: true }).then((r) => r.data)
