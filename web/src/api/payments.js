import { http } from './http'

// The Alipay cashier URL for an unpaid order of mine.
export const alipayUrl = (orderNumber) =>
  http.get('/payments/alipay/', { params: { order_number: orderNumber }, silent: true }).then((r) => r.data.url)

// The return redirect's query string, forwarded untouched (it is signed) ->
// {order_number, pay_time, real_price, user_credit, course_list: [{id, name}]}.
export const alipayResult = (queryString) =>
  http.get(`/payments/alipay/result/?${queryString.replace(/^\?/, '')}`, { silent: true }).then((r) => r.data)
