import { http } from './http'

// {total, coupons: [...]}; usableFor 'selected' judges each coupon against the selected cart lines.
export const coupons = (usableFor) =>
  http.get('/coupons/', { params: usableFor ? { usable_for: usableFor } : {} }).then((r) => r.data)
