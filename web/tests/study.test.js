import { describe, expect, it } from 'vitest'
import { progressPercent, progressText, refreshDelay, resumeAt, watermarkSpot } from '../src/utils/study'

describe('refreshDelay', () => {
  it('renews a ten-minute link a minute before it ends', () => {
    const now = Date.parse('2026-05-01T10:00:00Z')
    expect(refreshDelay('2026-05-01T10:10:00Z', now)).toBe(540000)
  })
  it('renews short links at a fifth of their life left, never sooner than 5 s', () => {
    const now = Date.parse('2026-05-01T10:00:00Z')
    expect(refreshDelay('2026-05-01T10:00:30Z', now)).toBe(24000)
    expect(refreshDelay('2026-05-01T09:59:00Z', now)).toBe(5000)
    expect(refreshDelay('not a date', now)).toBe(null)
  })
})

describe('resumeAt', () => {
  it('resumes at the saved second, from the start when it was the end', () => {
    expect(resumeAt(0, 100)).toBe(0)
    expect(resumeAt(42.7, 100)).toBe(42)
    expect(resumeAt(98, 100)).toBe(0)
    expect(resumeAt(42, NaN)).toBe(42)
  })
})

describe('progress', () => {
  it('reads x / y 课时 and a percentage', () => {
    expect(progressText(3, 12)).toBe('3 / 12 课时')
    expect(progressText(undefined, undefined)).toBe('0 / 0 课时')
    expect(progressPercent(3, 12)).toBe(25)
    expect(progressPercent(1, 0)).toBe(0)
  })
})

describe('watermarkSpot', () => {
  it('stays inside the player', () => {
    expect(watermarkSpot(() => 0)).toEqual({ top: 8, left: 4 })
    expect(watermarkSpot(() => 1)).toEqual({ top: 80, left: 66 })
  })
})
