// The checkout page shows the server's breakdown (POST /api/orders/preview/) and computes no
// money: these helpers only decide what to ask for next and reshape what the server said.

// The preview's input for the page's choices: coupon 0 or null is "no coupon".
export function previewPayload(couponId, credit) {
  const points = Number.isInteger(credit) && credit > 0 ? credit : 0
  return { coupon_id: couponId || null, credit: points }
}

// What to change when the preview refuses the page's choices (the codes of POST /api/orders/):
// too many points -> the cap the server names; a coupon that no longer fits -> choose again
// (the page then preselects the best one); anything else blocks checkout (pending order, a
// course gone or owned, an empty cart) and is shown as it is.
export function previewRecovery(api) {
  const code = api?.code || ''
  if (code === 'credit_exceeds_total' || code === 'credit_exceeds_balance' || code === 'invalid_credit') {
    return { credit: Number.isInteger(api.max_credit) && api.max_credit >= 0 ? api.max_credit : 0 }
  }
  if (code.startsWith('coupon_')) return { coupon: null }
  return { blocked: true }
}

// A placed order (GET /api/orders/<number>/) in the preview's shape: when checkout answers
// price_changed the page shows what the order charges, the same figures as the dialog.
export function orderAsQuote(order) {
  return {
    lines: order.lines.map((line) => ({ ...line })),
    total_price: order.total_price,
    sale_amount: order.sale_amount,
    discounted_price: order.discounted_price,
    coupons: [],
    best_coupon_id: null,
    coupon_id: null,
    coupon_amount: order.coupon_amount,
    credit: order.credit,
    credit_amount: order.credit_amount,
    max_credit: order.credit,
    max_credit_amount: order.credit_amount,
    real_price: order.real_price,
    order_number: order.order_number,
  }
}

// "最多可用 500 积分（可抵 ¥50.00）"
export function creditCapText(quote, formatPrice) {
  if (!quote.credit_balance) return '暂无可用积分'
  return `最多可用 ${quote.max_credit} 积分（可抵 ${formatPrice(quote.max_credit_amount)}）`
}
