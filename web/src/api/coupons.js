import { http } from './http'

// The wallet: {coupons: [{id, name, type, sale, min_amount, start, end, status, usable,
// reason_code, reason}]}. Which coupons fit a checkout is the checkout preview's (api/orders.js).
export const coupons = () => http.get('/coupons/').then((r) => r.data)

// Redeem a code (兑换码): the new coupon, shaped as one of coupons().coupons. Silent: the page
// shows the error next to the code box.
export const redeemCode = (code) =>
  http.post('/coupons/redeem/', { code }, { silent: true }).then((r) => r.data)
