// Pieces the H5 pages share: the page header, the marquee, avatars, the QR code, copying, the
// confirmation dialog, a form's error, a group's and a withdrawal's state, stars and figures,
// the end of a list loaded a page at a time, the frame of a bar chart.
import { useEffect, useMemo, useRef, type ReactNode } from 'react'
import { Link, useLocation, useNavigate } from 'react-router-dom'
import type { MarqueeNotice } from './api'
import type { StateLook } from './lib/badge'
import type { Bar, BarChart } from './lib/chart'
import type { Pages } from './hooks'
import { marqueeSeconds } from './lib/format'
import { MAX_STARS, clampStars, groupStateLook, starsLabel, starsText } from './lib/groups'
import { BackIcon, SpeakerIcon } from './icons'
import { qrPath } from './lib/qr'
import { withdrawalLook } from './lib/withdrawals'

/** A sub-page's title bar; back goes to the previous page, or home when there is none. */
export function PageHeader({ title }: { title: string }) {
  const navigate = useNavigate()
  const first = useLocation().key === 'default'
  return (
    <header className="page-header">
      <button className="icon-btn" aria-label="返回" onClick={() => (first ? navigate('/') : navigate(-1))}>
        <BackIcon />
      </button>
      <h1>{title}</h1>
    </header>
  )
}

/**
 * The live notices, scrolling right to left (paused while touched, still for reduced motion).
 * Renders nothing when there are none.
 */
export function Marquee({ notices }: { notices: MarqueeNotice[] }) {
  if (!notices.length) return null
  const chars = notices.reduce((n, m) => n + [...m.text].length, 0) + notices.length * 4
  const group = (copy: boolean) => (
    <span className="marquee-group" aria-hidden={copy || undefined}>
      {notices.map((m) => (
        <span key={m.id} className="marquee-item" data-testid={copy ? undefined : 'marquee-item'}>
          {m.text}
        </span>
      ))}
    </span>
  )
  return (
    <section className="marquee" data-testid="marquee" role="marquee" aria-label="公告">
      <span className="marquee-icon">
        <SpeakerIcon />
      </span>
      <div className="marquee-viewport">
        {/* Two copies side by side: moving by half the track loops without a jump. */}
        <div className="marquee-track" style={{ animationDuration: `${marqueeSeconds(chars)}s` }}>
          {group(false)}
          {group(true)}
        </div>
      </div>
    </section>
  )
}

export function Avatar({ src, size = 40 }: { src: string; size?: number }) {
  return <img className="person-avatar" src={src} alt="" width={size} height={size} loading="lazy" />
}

/** A person in a row: avatar, nickname, and what else the row says about them. */
export function PersonRow(props: { avatar: string; name: string; testId?: string; children?: ReactNode }) {
  return (
    <div className="person" data-testid={props.testId}>
      <Avatar src={props.avatar} />
      <div className="person-main">
        <div className="person-name" data-testid={props.testId ? `${props.testId}-name` : undefined}>
          {props.name}
        </div>
        {props.children}
      </div>
    </div>
  )
}

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

/** Copies text to the clipboard; false when the browser would not (old WeChat webviews). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // Refused: try the old way.
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  area.setSelectionRange(0, text.length)
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  document.body.removeChild(area)
  return ok
}

/** What useCopy says of the last copy: `ok` once copied, `failed` when the browser would not. */
export function CopyStatus({ copied, ok, failed }: { copied: '' | 'ok' | 'failed'; ok: string; failed: string }) {
  if (!copied) return null
  return (
    <p className={copied === 'ok' ? 'form-notice' : 'form-error'} role="status" data-testid="copy-status">
      {copied === 'ok' ? ok : failed}
    </p>
  )
}

/** What is wrong with a form (or an action), when anything is. */
export function FormError({ error, testId = 'form-error' }: { error: string | undefined; testId?: string }) {
  if (!error) return null
  return (
    <p className="form-error" role="alert" data-testid={testId}>
      {error}
    </p>
  )
}

/**
 * Asks before something that cannot be undone. `busy` while the action runs (both buttons
 * wait); `error` when it failed, the dialog staying open to try again.
 */
export function ConfirmDialog(props: {
  title: string
  message?: ReactNode
  ok: string
  danger?: boolean
  busy?: boolean
  error?: string
  onOk: () => void
  onCancel: () => void
}) {
  const { busy, onCancel } = props
  const okButton = useRef<HTMLButtonElement>(null)
  useEffect(() => okButton.current?.focus(), [])
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onCancel()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [busy, onCancel])

  return (
    <div className="dialog-backdrop" onClick={() => !busy && onCancel()}>
      <div
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm-dialog"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="confirm-title" className="dialog-title">
          {props.title}
        </h2>
        {props.message && <div className="dialog-msg">{props.message}</div>}
        <FormError error={props.error} testId="confirm-error" />
        <div className="dialog-actions">
          <button type="button" className="dialog-btn" data-testid="confirm-cancel" onClick={onCancel} disabled={busy}>
            取消
          </button>
          <button
            type="button"
            ref={okButton}
            className={`dialog-btn dialog-ok${props.danger ? ' dialog-danger' : ''}`}
            data-testid="confirm-ok"
            onClick={props.onOk}
            disabled={busy}
          >
            {busy ? '请稍候…' : props.ok}
          </button>
        </div>
      </div>
    </div>
  )
}

/** A list with nothing in it yet: what to do about it, and the link that does it. */
export function EmptyCard(props: { text: string; testId: string; link: { to: string; text: string; testId: string } }) {
  const { text, testId, link } = props
  return (
    <section className="card empty-card" data-testid={testId}>
      <p className="empty">{text}</p>
      <Link className="btn btn-primary" to={link.to} data-testid={link.testId}>
        {link.text}
      </Link>
    </section>
  )
}

/** A state as a coloured badge. */
function StateBadge({ state, look, testId }: { state: string; look: StateLook; testId: string }) {
  return (
    <span className={`badge state-${look.tone}`} data-testid={testId} data-state={state}>
      {look.label}
    </span>
  )
}

export const GroupStateBadge = ({ state }: { state: string }) => (
  <StateBadge state={state} look={groupStateLook(state)} testId="group-state" />
)

export const WithdrawalStateBadge = ({ state }: { state: string }) => (
  <StateBadge state={state} look={withdrawalLook(state)} testId="withdrawal-state" />
)

/** A group's stars: ★ for each earned (the test id's text), grey ones for the rest; 待评星 at 0. */
export function Stars({ stars, testId = 'group-stars' }: { stars: number | null; testId?: string }) {
  const n = clampStars(stars)
  if (!n) {
    return (
      <span className="stars stars-none" data-testid={testId} data-stars={0}>
        待评星
      </span>
    )
  }
  return (
    <span className="stars" role="img" aria-label={starsLabel(n)}>
      <span data-testid={testId} data-stars={n} aria-hidden="true">
        {starsText(n)}
      </span>
      <span className="stars-off" aria-hidden="true">
        {'★'.repeat(MAX_STARS - n)}
      </span>
    </span>
  )
}

/** One figure of a group (or a day) with its label under it. */
export function Stat(props: { value: ReactNode; label: string; testId: string; money?: boolean }) {
  const { value, label, testId, money } = props
  return (
    <div className="stat">
      <span className={money ? 'stat-value money' : 'stat-value'} data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
    </div>
  )
}

/** The end of a list loaded a page at a time: why a page failed, with 重试; else 加载更多 while there are more. */
export function LoadMore({
  list,
  testId,
}: {
  list: Pick<Pages<unknown>, 'items' | 'more' | 'loading' | 'error' | 'loadMore'>
  /** The error's data-testid is `${testId}-error`, the button's `${testId}-more`. */
  testId: string
}) {
  const { items, more, loading, error, loadMore } = list
  if (error) {
    return (
      <div className="empty">
        <p className="form-error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </p>
        <button type="button" className="btn btn-small btn-outline" onClick={loadMore}>
          重试
        </button>
      </div>
    )
  }
  if (items.length === 0 || !more) return null
  return (
    <button
      type="button"
      className="btn btn-outline btn-block load-more"
      data-testid={`${testId}-more`}
      disabled={loading}
      onClick={loadMore}
    >
      {loading ? '加载中…' : '加载更多'}
    </button>
  )
}

/** A bar chart's SVG: the scale's lines with their values (as `scale` writes them), and `children` (the bars). */
export function BarChartFrame({
  chart,
  label,
  testId,
  scale = String,
  children,
}: {
  chart: Pick<BarChart, 'width' | 'height' | 'left' | 'right' | 'ticks'>
  /** What the chart says, for screen readers. */
  label: string
  testId: string
  scale?: (value: number) => string
  children: ReactNode
}) {
  return (
    <svg
      className="chart"
      data-testid={testId}
      viewBox={`0 0 ${chart.width} ${chart.height}`}
      role="img"
      aria-label={label}
    >
      {chart.ticks.map((t) => (
        <g key={t.value}>
          <line className="chart-grid" x1={chart.left} x2={chart.right} y1={t.y} y2={t.y} />
          <text className="chart-scale" x={chart.left - 4} y={t.y} textAnchor="end" dominantBaseline="middle">
            {scale(t.value)}
          </text>
        </g>
      ))}
      {children}
    </svg>
  )
}

/** A bar's label under the chart, when it has room for one. */
export function BarLabel({ bar, chart }: { bar: Bar; chart: Pick<BarChart, 'height'> }) {
  if (!bar.labeled) return null
  return (
    <text className="chart-label" x={bar.center} y={chart.height - 4} textAnchor="middle">
      {bar.label}
    </text>
  )
}
