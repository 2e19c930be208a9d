// Checkout arithmetic for display only, in integer cents (never floats). The server recomputes
// everything when the order is placed; the page sends what it showed as expected_real_price.

// "12.50" -> 1250; anything that is not a non-negative decimal -> null.
export function toCents(value) {
  if (value === null || value === undefined) return null
  const text = String(value).trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return null
  const [whole, fraction = ''] = text.split('.')
  const cents = Number(whole) * 100 + Number((fraction + '00').slice(0, 2))
  // A third decimal rounds half up, as the server does.
  return fraction.length > 2 && Number(fraction[2]) >= 5 ? cents + 1 : cents
}

// 1250 -> "12.50"
export function centsToString(cents) {
  const c = Math.max(0, Math.round(cents || 0))
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`
}

// The money `points` are worth, in cents: points / perYuan yuan, two places, half up.
export function creditCents(points, perYuan) {
  if (!points || points <= 0 || !perYuan) return 0
  return Math.floor((points * 200 + perYuan) / (2 * perYuan))
}

// The most points usable on `leftCents`: the balance, and no more than the amount is worth.
export function maxCredit(balance, leftCents, perYuan) {
  if (!balance || balance <= 0 || !leftCents || leftCents <= 0 || !perYuan) return 0
  return Math.max(0, Math.min(Math.floor(balance), Math.floor((leftCents * perYuan) / 100)))
}

// Everything the checkout page shows, from the selected total, the chosen coupon's discount
// (as GET /api/coupons/?usable_for=selected reports it), the balance and the points asked for.
export function checkoutAmounts({ total, couponDiscount, balance, perYuan, credit }) {
  const totalCents = toCents(total) ?? 0
  const discountCents = Math.min(toCents(couponDiscount) ?? 0, totalCents)
  const leftCents = totalCents - discountCents
  const most = maxCredit(balance, leftCents, perYuan)
  const used = Math.min(Math.max(0, Math.floor(Number(credit) || 0)), most)
  const usedCents = Math.min(creditCents(used, perYuan), leftCents)
  return {
    total: centsToString(totalCents),
    couponDiscount: centsToString(discountCents),
    left: centsToString(leftCents),
    maxCredit: most,
    credit: used,
    creditMoney: centsToString(usedCents),
    realPrice: centsToString(Math.max(0, leftCents - usedCents)),
  }
}
