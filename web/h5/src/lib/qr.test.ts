import { describe, expect, it } from 'vitest'
import { encode } from 'uqr'
import { qrPath } from './qr'

/** The dark cells a path draws, from its `M x y h n` runs. */
function cells(d: string): Set<string> {
  const out = new Set<string>()
  for (const [, x, y, n] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(n); i++) out.add(`${Number(x) + i},${y}`)
  }
  return out
}

describe('qrPath', () => {
  it('draws exactly the dark modules of the code, in runs', () => {
    const url = 'http://127.0.0.1:3000/s/4c92'
    const { size, d } = qrPath(url)
    const { data } = encode(url, { ecc: 'M', border: 2 })
    expect(size).toBe(data.length)
    const dark = new Set<string>()
    data.forEach((row, y) => row.forEach((on, x) => on && dark.add(`${x},${y}`)))
    expect(cells(d)).toEqual(dark)
    // Runs, not one rectangle per module.
    expect(d.match(/M/g)!.length).toBeLessThan(dark.size)
  })

  it('leaves a quiet zone of 2 modules', () => {
    const { size, d } = qrPath('AB3CDE')
    for (const cell of cells(d)) {
      const [x, y] = cell.split(',').map(Number)
      expect(x >= 2 && y >= 2 && x < size - 2 && y < size - 2, cell).toBe(true)
    }
  })
})
