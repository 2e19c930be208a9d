import { http } from './http'

// {pay_type ('alipay' | 'wechat'), coupon_id?, credit?, expected_real_price?} -> {order_number, real_price, status,
// pay_deadline, price_changed, notice}. Silent: the checkout page explains its own errors.
export const createOrder = (payload) =>
  http.post('/orders/', { pay_type: 'alipay', ...payload }, { silent: true }).then((r) => r.data)
// {status?, page, size} -> {count, next, previous, results}
export const orders = (params) => http.get('/orders/', { params }).then((r) => r.data)
export const order = (number) => http.get(`/orders/${encodeURIComponent(number)}/`).then((r) => r.data)
export const cancelOrder = (number) =>
  http.post(`/orders/${encodeURIComponent(number)}/cancel/`, null, { silent: true }).then((r) => r.data)
// A cancelled or timed-out order's courses back in the cart ->
// {added: [{course_id, name, expire_id, option_changed}], skipped: [{course_id, name, reason, reason_text}], cart_num}
export const orderToCart = (number) =>
  http.post(`/orders/${encodeURIComponent(number)}/cart/`, null, { silent: true }).then((r) => r.data)
// [{course_id, name, cover, expires_at (null = permanent), active, since}]
export const myCourses = () => http.get('/users/me/courses/').then((r) => r.data)
// {coupon_id?, credit?} -> the server's checkout breakdown of the selected cart lines (see
// docs/api.md); nothing is reserved. Silent: the checkout page explains its own errors.
export const previewOrder = (payload) =>
  http.post('/orders/preview/', payload, { silent: true }).then((r) => r.data)
