import { describe, expect, it } from 'vitest'
import { knownState, lookOf, type Look, type StateOption } from './states'

const OPTIONS: Array<StateOption<'on' | 'off'>> = [
  { value: 'on', label: '开', tone: 'success' },
  { value: 'off', label: '关', tone: 'default' },
]

const TABLE: Record<'up' | 'down', Look> = {
  up: { label: '上', tone: 'primary' },
  down: { label: '下', tone: 'danger' },
}

describe('states', () => {
  it('looks a state up in a list or a table, an unknown one shown as given', () => {
    expect(lookOf(OPTIONS, 'on')).toEqual({ label: '开', tone: 'success' })
    expect(lookOf(TABLE, 'down')).toEqual({ label: '下', tone: 'danger' })
    expect(lookOf(OPTIONS, 'odd')).toEqual({ label: 'odd', tone: 'default' })
    expect(lookOf(TABLE, '')).toEqual({ label: '—', tone: 'default' })
  })

  it('keeps only a known state as a filter', () => {
    expect(knownState(OPTIONS, 'off')).toBe('off')
    expect(knownState(OPTIONS, 'OFF')).toBe('')
    expect(knownState(OPTIONS, '')).toBe('')
  })
})
