import { describe, expect, it } from 'vitest'
import { toneColor } from './tone'

describe('toneColor', () => {
  it('maps tones to antd tag colours', () => {
    expect(toneColor('danger')).toBe('error')
    expect(toneColor('primary')).toBe('processing')
    expect(toneColor('default')).toBe('default')
  })
})
