// The QR code the invite and robot pages draw (its own file: uqr stays off the first page).
import { useMemo } from 'react'
import { qrPath } from './lib/qr'

export function QrCode({
  value,
  size = 168,
  label,
  testId = 'invite-qr',
}: {
  value: string
  size?: number
  label: string
  testId?: string
}) {
  const qr = useMemo(() => qrPath(value), [value])
  return (
    <svg
      className="qr"
      data-testid={testId}
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      shapeRendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={qr.d} fill="#000" />
    </svg>
  )
}
