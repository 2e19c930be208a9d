// Chinese texts for the API's machine-readable codes. The API's own `detail` (English) stays the
// fallback, so a code added later is still explained.
import { formatDateTime, formatPrice } from './format'

export const ORDER_STATUS = {
  0: { text: '待支付', type: 'warning' },
  1: { text: '已支付', type: 'success' },
  2: { text: '已取消', type: 'info' },
  3: { text: '已超时', type: 'info' },
  4: { text: '已退款', type: 'danger' },
}

export const orderStatus = (status) => ORDER_STATUS[status] || { text: '未知状态', type: 'info' }

const ERRORS = {
  already_purchased: '所选课程中有您已购买且仍在有效期内的课程，请先从购物车中移除。',
  pending_order: '所选课程已在一笔未支付订单中，请先到「我的订单」支付或取消该订单。',
  course_unavailable: '部分课程已下架或有效期选项已变更，请回到购物车更新。',
  cart_empty: '请先在购物车中选择要结算的课程。',
  coupon_not_found: '该优惠券不存在或不属于您，请重新选择。',
  coupon_used: '该优惠券已被使用，请重新选择。',
  coupon_reserved: '该优惠券正被一笔未支付订单占用，取消该订单后才能使用。',
  coupon_expired: '该优惠券已过期，请重新选择。',
  coupon_not_started: '该优惠券尚未到使用时间。',
  coupon_below_minimum: '订单金额未达到该优惠券的使用门槛。',
  credit_exceeds_balance: '积分余额不足，请减少使用的积分。',
  credit_exceeds_total: '使用的积分超过了订单可抵扣的上限，请减少积分。',
  invalid_credit: '积分数量无效。',
  order_not_unpaid: '该订单已不是待支付状态，无需支付。',
  order_expired: '该订单已超过支付时限，请重新下单。',
  order_paid: '该订单刚刚已支付成功，不能取消。',
  order_not_found: '订单不存在。',
  bad_signature: '回传的支付参数不完整或已被篡改，无法确认这笔付款。如果您已付款，请到「我的订单」查看订单状态。',
  payment_pending: '支付结果尚未确认，请稍候。',
  payment_refunded: '这笔付款到账时订单已取消或超时，且所用的优惠券或积分已不可用，款项将原路退回您的支付宝账户，请留意退款通知。',
  payment_gateway_unavailable: '支付网关暂时不可用，请稍后重试。',
}

// {code, detail} from the API client -> a sentence for the page.
export function errorText(api) {
  if (!api) return '操作失败，请重试'
  return ERRORS[api.code] || api.detail || '操作失败，请重试'
}

// Why a coupon cannot be used, in Chinese, from its reason_code and its own fields.
export function couponReason(coupon, total = null) {
  switch (coupon.reason_code) {
    case null:
    case undefined:
      return ''
    case 'coupon_used':
      return '已使用'
    case 'coupon_reserved':
      return '已被未支付订单占用'
    case 'coupon_not_started':
      return `${formatDateTime(coupon.start)} 起可用`
    case 'coupon_expired':
      return `已于 ${formatDateTime(coupon.end)} 过期`
    case 'coupon_below_minimum':
      return total
        ? `满 ${formatPrice(coupon.min_amount)} 可用（当前 ${formatPrice(total)}）`
        : `满 ${formatPrice(coupon.min_amount)} 可用`
    default:
      return coupon.reason || '不可用'
  }
}

// My coupons: usable (including not yet started), used (or held by an order), expired.
export function couponGroup(coupon) {
  if (['coupon_used', 'coupon_reserved'].includes(coupon.reason_code) || coupon.status === 'used') return 'used'
  if (coupon.reason_code === 'coupon_expired') return 'expired'
  return 'usable'
}

export const CREDIT_REASON = {
  order_reserve: '下单抵扣',
  order_release: '订单取消/超时退回',
  order_refund: '订单退款退回',
  grant: '系统赠送',
  adjustment: '人工调整',
}
