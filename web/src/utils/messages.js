// Chinese texts for the API's machine-readable codes (tests/common/test_i18n.py fails when a code
// the API can return has none). The API's own `detail` (Chinese too) is used for the codes whose
// detail carries facts (which field, how long to wait, how many points) and as the fallback.
import { formatDateTime, formatPrice } from './format'

export const ORDER_STATUS = {
  0: { text: '待支付', type: 'warning' },
  1: { text: '已支付', type: 'success' },
  2: { text: '已取消', type: 'info' },
  3: { text: '已超时', type: 'info' },
  4: { text: '已退款', type: 'danger' },
}

export const orderStatus = (status) => ORDER_STATUS[status] || { text: '未知状态', type: 'info' }

// The amount's label: only money that was paid is 实付; an unpaid order's is 应付, a cancelled or
// timed-out one's just the order amount.
export const amountLabel = (status) => ({ 0: '应付', 1: '实付', 4: '实付' })[status] || '订单金额'

// Keyed by the API error codes of the registry, luffy/common/error_codes.py (ErrorCode, also the
// ErrorCodeEnum of the OpenAPI schema); tests/common/test_i18n.py fails when one has no text here.
const ERRORS = {
  file_type: '只能上传 MP4 或 WebM 视频以及 PDF 文档。',
  file_content: '文件内容与文件类型不符，请检查后重新上传。',
  file_too_large: '文件过大，请压缩后重新上传。',
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
  redeem_code_empty: '请输入兑换码。',
  redeem_code_not_found: '兑换码不存在或已失效，请检查是否输入正确。',
  redeem_code_expired: '该兑换码已过期。',
  redeem_code_used_up: '该兑换码已被兑完。',
  redeem_code_limit_reached: '你已兑换过该兑换码，已达每人兑换上限。',
  credit_exceeds_balance: '积分余额不足，请减少使用的积分。',
  credit_exceeds_total: '使用的积分超过了订单可抵扣的上限，请减少积分。',
  invalid_credit: '积分数量无效。',
  order_not_unpaid: '该订单已不是待支付状态，无需支付。',
  order_expired: '该订单已超过支付时限，请重新下单。',
  order_paid: '该订单刚刚已支付成功，不能取消。',
  order_not_found: '订单不存在。',
  order_not_closed: '只有已取消或已超时的订单可以把课程放回购物车。',
  bad_signature: '回传的支付参数不完整或已被篡改，无法确认这笔付款。如果您已付款，请到「我的订单」查看订单状态。',
  payment_pending: '支付结果尚未确认，请稍候。',
  payment_refunded: '这笔付款到账时订单已取消或超时，且所用的优惠券或积分已不可用，款项将原路退回您的付款账户，请留意退款通知。',
  payment_refused: '该支付方式已无法支付这笔订单，请换用另一种支付方式。',
  payment_gateway_unavailable: '支付网关暂时不可用，请稍后重试。',
  access_expired: '您的课程有效期已结束，续费后可继续学习。',
  no_access: '购买本课程后即可观看。',
  course_not_found: '课程不存在或未上架。',
  lesson_not_found: '课时不存在。',
  lesson_link_invalid: '课时链接无效，请重新打开课时。',
  lesson_link_expired: '课时链接已过期，请重新打开课时。',
  lesson_link_other_user: '该课时链接属于其他账号。',
  lesson_media_missing: '该课时暂无文件。',
  access_ended: '课程有效期已结束，该链接已失效。',
  range_not_satisfiable: '请求的范围超出了文件大小。',
  video_cloud_unavailable: '视频服务暂无响应，请稍后再试。',
  category_not_found: '课程分类不存在。',
  page_not_found: '没有这一页了。',
  invalid_expire: '该有效期不属于本课程，请重新选择。',
  option_unavailable: '所选有效期已不再提供，请先选择其他有效期。',
  no_price: '该课程暂未定价。',
  not_in_cart: '购物车中没有这门课程。',
  nothing_to_change: '没有需要修改的内容。',
  cart_full: '购物车已满，请先移除一些课程。',
  cart_unavailable: '购物车暂时不可用，请稍后再试。',
  insufficient_credit: '积分余额不足。',
  pay_type: '不支持该支付方式。',
  order_total_too_large: '订单金额超过单笔上限，请拆分为多笔订单。',
  order_not_paid: '只有已支付的订单可以退款。',
  refund_amount: '退款金额无效。',
  refund_refused: '支付网关拒绝了退款。',
  refund_in_progress: '该订单的另一笔退款正在处理，请稍后刷新页面。',
  notify_throttled: '请求过于频繁，请稍后再试。',
  invalid_rule: '规则格式有误。',
  invalid_mobile: '请输入正确的手机号（以 13–19 开头的 11 位数字）。',
  mobile_taken: '该手机号已被其他账号使用。',
  mobile_registered: '该手机号已注册，请直接登录。',
  mobile_not_registered: '该手机号尚未注册，请先注册。',
  username_taken: '该用户名已被占用。',
  username_is_mobile: '用户名若为手机号格式，必须是您本人的手机号。',
  taken: '该用户名或手机号刚刚已被其他账号注册，请换一个。',
  weak_password: '密码强度不够，请换一个更安全的密码。',
  wrong_password: '原密码错误。',
  same_mobile: '新手机号与当前手机号相同。',
  invalid_credentials: '用户名、手机号或密码错误。',
  user_inactive: '该账号已停用或不存在。',
  account_locked: '登录失败次数过多，账号已暂时锁定，请稍后再试。',
  login_throttled: '登录失败次数过多，请稍后再试。',
  login_unavailable: '登录服务暂时不可用，请稍后再试。',
  sms_too_soon: '验证码刚刚已发送，请稍后再获取。',
  sms_failed: '短信发送失败，请重试。',
  sms_code_wrong: '验证码错误。',
  sms_code_expired: '验证码已过期或未发送，请重新获取。',
  sms_code_exhausted: '验证码错误次数过多，请重新获取。',
  token_not_valid: '登录已过期，请重新登录。',
  password_changed: '密码已修改，请用新密码重新登录。',
  authentication_failed: '登录已失效，请重新登录。',
  bad_authorization_header: '登录信息格式不正确，请重新登录。',
  password_changed: '密码已修改，请重新登录。',
  user_not_found: '账号不存在，请重新登录。',
  not_authenticated: '请先登录。',
  permission_denied: '您没有权限执行此操作。',
  forbidden: '您没有权限执行此操作。',
  not_found: '您访问的内容不存在。',
  method_not_allowed: '不支持该操作。',
  not_acceptable: '无法提供所请求的格式。',
  unsupported_media_type: '不支持的请求格式。',
  parse_error: '请求格式有误。',
  bad_request: '请求格式有误。',
  nul_character: '输入内容包含无效字符。',
  too_deep: '请求内容嵌套层级过深。',
  request_too_large: '提交的内容过大。',
  invalid: '输入有误，请检查后重试。',
  conflict: '操作冲突，请刷新后重试。',
  throttled: '操作过于频繁，请稍后再试。',
  rate_limited: '操作过于频繁，请稍后再试。',
  database_busy: '系统繁忙，请稍后再试。',
  redis_unavailable: '服务暂时不可用，请稍后再试。',
  service_unavailable: '服务暂时不可用，请稍后再试。',
  unavailable: '服务暂时不可用，请稍后再试。',
  server_error: '服务器出错了，我们已记录，请稍后再试。',
  error: '操作失败，请重试。',
}

// Codes whose Chinese `detail` from the API says more than the text above (which field, how long
// to wait, until when, how many points): shown when the API sent Chinese.
const DETAIL_FIRST = new Set([
  'invalid', 'weak_password', 'access_expired', 'already_purchased', 'pending_order', 'cart_full',
  'credit_exceeds_balance', 'credit_exceeds_total', 'page_not_found', 'invalid_expire',
  'sms_too_soon', 'login_throttled', 'account_locked', 'throttled', 'rate_limited', 'refund_amount',
  'refund_refused', 'coupon_reserved', 'coupon_not_started', 'coupon_expired', 'coupon_below_minimum',
  'order_not_unpaid', 'order_total_too_large', 'course_unavailable', 'redeem_code_limit_reached',
])
const CHINESE = /[\u4e00-\u9fff]/

// {code, detail} from the API client -> a sentence for the page.
export function errorText(api) {
  if (!api) return '操作失败，请重试'
  if (api.detail && DETAIL_FIRST.has(api.code) && CHINESE.test(api.detail)) return api.detail
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
