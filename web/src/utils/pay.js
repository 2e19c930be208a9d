import { payUrl } from '../api/payments'

export const PAY_TYPES = [
  { value: 'alipay', label: '支付宝' },
  { value: 'wechat', label: '微信支付' },
]

// Phones pay WeChat by H5 (the WeChat app opens from the browser); desktops scan a QR code.
export const isPhone = () =>
  window.matchMedia('(max-width: 768px)').matches || /Android|iPhone|iPad|Mobile/i.test(navigator.userAgent)

// Send the buyer to pay: Alipay's cashier, WeChat's H5 page, or our QR code page (desktop).
export async function startPayment(router, orderNumber, payType) {
  if (payType === 'wechat' && !isPhone()) {
    return router.push({ name: 'wechat-pay', params: { orderNumber } })
  }
  const pay = await payUrl(orderNumber, payType, payType === 'wechat' ? 'h5' : 'native')
  window.location.assign(pay.url)
}
