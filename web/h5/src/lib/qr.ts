// QR codes drawn as one SVG path: no image to fetch, sharp at any size.
import { encode } from 'uqr'

export interface QrPath {
  /** Width and height in modules, the quiet zone included. */
  size: number
  /** The dark modules, as horizontal runs of unit-high rectangles. */
  d: string
}

export function qrPath(text: string): QrPath {
  // M: 15% of the code may be damaged or covered and it still reads; a quiet zone of 2 modules.
  const { data, size } = encode(text, { ecc: 'M', border: 2 })
  const parts: string[] = []
  data.forEach((row, y) => {
    let x = 0
    while (x < row.length) {
      if (!row[x]) {
        x++
        continue
      }
      const start = x
      while (x < row.length && row[x]) x++
      parts.push(`M${start} ${y}h${x - start}v1h-${x - start}z`)
    }
  })
  return { size, d: parts.join('') }
}
