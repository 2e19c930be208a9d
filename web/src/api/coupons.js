import { http } from './http'

// The wallet: {coupons: [{id, name, type, sale, min_amount, start, end, status, usable,
// reason_code, reason}]}. Which coupons fit a checkout is the checkout preview's (api/orders.js).
export const coupons = () => http.get('/coupons/').then((r) => r.data)
