// Display helpers. Money arrives as a two-decimal string ("12.50") and is never turned into a
// float here: the server does every sum.

export function formatPrice(value) {
  if (value === null || value === undefined || value === '') return '—'
  const text = String(value)
  if (!/^\d+(\.\d+)?$/.test(text)) return '—'
  const [whole, cents = ''] = text.split('.')
  return `¥${whole}.${(cents + '00').slice(0, 2)}`
}

export function isDiscounted(item) {
  return item.real_price !== null && item.real_price !== undefined && item.real_price !== item.price
}

const pad = (n) => String(n).padStart(2, '0')

// 93784 -> "1天 02:03:04"; the activity countdown on the course page.
export function formatCountdown(seconds) {
  if (!seconds || seconds <= 0) return '00:00:00'
  const s = Math.floor(seconds)
  const days = Math.floor(s / 86400)
  const clock = `${pad(Math.floor((s % 86400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
  return days ? `${days}天 ${clock}` : clock
}

// Lesson length: 300 -> "05:00", 3725 -> "1:02:05".
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0))
  const h = Math.floor(s / 3600)
  const rest = `${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
  return h ? `${h}:${rest}` : rest
}

// ISO timestamp -> "2026-05-01 14:30" in the browser's time zone.
export function formatDateTime(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

// "第1章 · 入门", unless the chapter's own name already says "第1章".
export function chapterTitle(chapter) {
  return chapter.name.startsWith('第') ? chapter.name : `第${chapter.number}章 · ${chapter.name}`
}

// Time left to pay: 45296 -> "12小时34分", 125 -> "2分05秒", 0 or less -> "已超时".
export function formatTimeLeft(seconds) {
  const s = Math.floor(seconds || 0)
  if (s <= 0) return '已超时'
  const days = Math.floor(s / 86400)
  const hours = Math.floor((s % 86400) / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  if (days) return `${days}天${hours}小时`
  if (hours) return `${hours}小时${pad(minutes)}分`
  return `${minutes}分${pad(s % 60)}秒`
}

// Seconds from `now` until an ISO timestamp (negative once it has passed).
export function secondsUntil(iso, now = Date.now()) {
  const t = new Date(iso).getTime()
  return Number.isNaN(t) ? 0 : Math.floor((t - now) / 1000)
}

// A coupon's face value from its sale rule: "-20" -> "¥20", "*0.85" -> "8.5折".
export function couponFace(sale) {
  const text = String(sale || '').trim()
  let m = /^-\s*(\d+(?:\.\d+)?)$/.exec(text)
  if (m) return `¥${m[1].replace(/\.0+$/, '')}`
  m = /^\*\s*0?\.(\d+)$/.exec(text)
  if (m) {
    const digits = m[1].replace(/0+$/, '') || '0' // 0.85 -> "85" -> 8.5折, 0.9 -> "9" -> 9折
    return `${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}折`
  }
  return text
}

// 13812341234 -> 138****1234: enough for its owner, not the whole number.
export function maskMobile(mobile) {
  const text = String(mobile || '')
  return /^\d{11}$/.test(text) ? `${text.slice(0, 3)}****${text.slice(-4)}` : text
}

// What the header shows for a user: the nickname, else a username of their choosing, else the
// masked mobile (registration makes the username the mobile: never the full number).
export function userDisplayName(user) {
  if (!user) return ''
  if (user.nickname) return user.nickname
  const { username, mobile } = user
  if (username && !/^\d+$/.test(username) && !(mobile && username.includes(mobile))) return username
  return maskMobile(user.mobile || user.username)
}
