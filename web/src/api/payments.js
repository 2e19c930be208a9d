import { http } from './http'

// Where to pay an unpaid order of mine: {url, pay_type, qr_code, sandbox_scan_url}.
// pay_type 'alipay' (url: the cashier) or 'wechat' with channel 'native' (url: the code_url,
// qr_code: its QR code as an SVG data: URI) or 'h5' (url: the h5_url for a phone browser).
export const payUrl = (orderNumber, payType = 'alipay', channel = 'native') =>
  http
    .get('/payments/pay-url/', { params: { order_number: orderNumber, pay_type: payType, channel }, silent: true })
    .then((r) => r.data)

// The Alipay cashier URL for an unpaid order of mine.
export const alipayUrl = (orderNumber) => payUrl(orderNumber, 'alipay').then((d) => d.url)

// The return redirect's query string, forwarded untouched (it is signed) ->
// {order_number, pay_time, real_price, user_credit, course_list: [{id, name}]}.
export const alipayResult = (queryString) =>
  http.get(`/payments/alipay/result/?${queryString.replace(/^\?/, '')}`, { silent: true }).then((r) => r.data)

// WeChat Pay has no signed return: the store asks WeChat about the order -> the same summary,
// or the error payment_pending while it is not paid yet.
export const wechatResult = (orderNumber) =>
  http.get('/payments/wechat/result/', { params: { order_number: orderNumber }, silent: true }).then((r) => r.data)
