// The study page's small decisions, kept here so they can be unit-tested.

// Milliseconds until a signed link should be replaced: a minute before it ends (or at a fifth
// of its life left for short links), never less than 5 s.
export function refreshDelay(expiresAt, now = Date.now()) {
  const left = new Date(expiresAt).getTime() - now
  if (!Number.isFinite(left)) return null
  return Math.max(5000, left - Math.min(60000, left / 5))
}

// Where to resume: the saved position, unless it is (almost) the end, then the beginning.
export function resumeAt(position, duration) {
  const p = Math.max(0, Math.floor(position || 0))
  if (!p) return 0
  if (Number.isFinite(duration) && duration > 0 && p >= duration - 3) return 0
  return p
}

// "x / y 课时" and the percentage for a progress bar.
export function progressText(done, total) {
  return `${done || 0} / ${total || 0} 课时`
}
export function progressPercent(done, total) {
  return total ? Math.min(100, Math.round(((done || 0) * 100) / total)) : 0
}

// A watermark spot inside the player (percentages), different from the last one.
export function watermarkSpot(random = Math.random) {
  return { top: 8 + Math.round(random() * 72), left: 4 + Math.round(random() * 62) }
}

export const SPEEDS = [0.75, 1, 1.25, 1.5, 2]
