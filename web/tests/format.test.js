import { describe, expect, it } from 'vitest'
import { chapterTitle, formatCountdown, formatDateTime, formatDuration, formatPrice, isDiscounted } from '../src/utils/format'

describe('formatPrice', () => {
  it('shows two decimals with a yuan sign, without float arithmetic', () => {
    expect(formatPrice('12.50')).toBe('¥12.50')
    expect(formatPrice('0.00')).toBe('¥0.00')
    expect(formatPrice('99')).toBe('¥99.00')
    expect(formatPrice('19.9')).toBe('¥19.90')
    expect(formatPrice('12345678.99')).toBe('¥12345678.99')
  })
  it('shows a dash for missing or odd values', () => {
    expect(formatPrice(null)).toBe('—')
    expect(formatPrice(undefined)).toBe('—')
    expect(formatPrice('abc')).toBe('—')
    expect(formatPrice('-1.00')).toBe('—')
  })
  it('knows when a discount applies', () => {
    expect(isDiscounted({ price: '100.00', real_price: '80.00' })).toBe(true)
    expect(isDiscounted({ price: '100.00', real_price: '100.00' })).toBe(false)
    expect(isDiscounted({ price: null, real_price: null })).toBe(false)
  })
})

describe('time formats', () => {
  it('counts down in days and a clock', () => {
    expect(formatCountdown(93784)).toBe('1天 02:03:04')
    expect(formatCountdown(59)).toBe('00:00:59')
    expect(formatCountdown(0)).toBe('00:00:00')
    expect(formatCountdown(null)).toBe('00:00:00')
  })
  it('shows lesson durations', () => {
    expect(formatDuration(300)).toBe('05:00')
    expect(formatDuration(3725)).toBe('1:02:05')
    expect(formatDuration(undefined)).toBe('00:00')
  })
  it('shows local date and time', () => {
    const d = new Date(2026, 4, 1, 14, 30)
    expect(formatDateTime(d.toISOString())).toBe('2026-05-01 14:30')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('nonsense')).toBe('')
  })
})

describe('chapterTitle', () => {
  it('numbers a chapter once', () => {
    expect(chapterTitle({ number: 2, name: '进阶' })).toBe('第2章 · 进阶')
    expect(chapterTitle({ number: 2, name: '第2章' })).toBe('第2章')
  })
})
