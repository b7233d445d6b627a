// The H5 pages' shared pieces on antd-mobile: the title bar, state tags, star ratings, figures,
// an empty list, the end of a list loaded a page at a time.
import { Button, NavBar, Tag } from 'antd-mobile'
import type { ReactNode } from 'react'
import { Link, useLocation, useNavigate } from 'react-router-dom'
import type { Pages } from './hooks'
import { BackIcon } from './icons'
import type { StateLook } from './lib/badge'
import { MAX_STARS, clampStars, groupStateLook, starsAria, starsText } from './lib/groups'
import { withdrawalLook } from './lib/withdrawals'

/** A sub-page's title bar; back goes to the previous page, or home when there is none. */
export function TitleBar({ title, right }: { title: string; right?: ReactNode }) {
  const navigate = useNavigate()
  const first = useLocation().key === 'default'
  return (
    <NavBar
      className="title-bar"
      back={null}
      left={
        <button type="button" className="icon-btn" aria-label="返回" onClick={() => (first ? navigate('/') : navigate(-1))}>
          <BackIcon />
        </button>
      }
      right={right}
    >
      <h1 className="title-bar-title">{title}</h1>
    </NavBar>
  )
}

const TAG_COLORS: Record<StateLook['tone'], string> = {
  ok: 'success',
  warn: 'warning',
  info: 'primary',
  danger: 'danger',
  muted: 'default',
}

/** A state as a coloured tag that never wraps. */
export function StateTag({ state, look, testId }: { state: string; look: StateLook; testId: string }) {
  return (
    <Tag className="state-tag" color={TAG_COLORS[look.tone]} fill="outline" round data-testid={testId} data-state={state}>
      {look.label}
    </Tag>
  )
}

export const GroupStateTag = ({ state }: { state: string }) => (
  <StateTag state={state} look={groupStateLook(state)} testId="group-state" />
)

export const WithdrawalStateTag = ({ state }: { state: string }) => (
  <StateTag state={state} look={withdrawalLook(state)} testId="withdrawal-state" />
)

/** A group's stars: ★ for each earned (the test id's text), grey ones for the rest; 待评星 at 0. */
export function StarRating({ stars, testId = 'group-stars' }: { stars: number | null; testId?: string }) {
  const n = clampStars(stars)
  if (!n) {
    return (
      <span className="stars stars-none" data-testid={testId} data-stars={0}>
        待评星
      </span>
    )
  }
  return (
    <span className="stars" role="img" aria-label={starsAria(n)}>
      <span data-testid={testId} data-stars={n} aria-hidden="true">
        {starsText(n)}
      </span>
      <span className="stars-off" aria-hidden="true">
        {'★'.repeat(MAX_STARS - n)}
      </span>
    </span>
  )
}

/** One figure (of a group, a day, the wallet) with its label under it. */
export function Figure(props: { value: ReactNode; label: string; testId: string; money?: boolean }) {
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

/** A list with nothing in it yet: what to do about it, and the link that does it. */
export function EmptyList(props: { text: string; testId: string; link: { to: string; text: string; testId: string } }) {
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

/** The end of a list loaded a page at a time: why a page failed, with 重试; else 加载更多 while there are more. */
export function MoreButton({
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
        <Button size="small" onClick={loadMore}>
          重试
        </Button>
      </div>
    )
  }
  if (items.length === 0 || !more) return null
  return (
    <Button block className="load-more" data-testid={`${testId}-more`} loading={loading} loadingText="加载中…" onClick={loadMore}>
      加载更多
    </Button>
  )
}

/**
 * Above a form's button: what was done (a status, `noticeTestId`) and what went wrong (an alert,
 * `form-error`), each only when there is something to say.
 */
export function FormMessages({ notice, noticeTestId, error }: { notice?: string; noticeTestId?: string; error: string }) {
  return (
    <>
      {notice && (
        <p className="form-notice" role="status" data-testid={noticeTestId}>
          {notice}
        </p>
      )}
      {error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {error}
        </p>
      )}
    </>
  )
}
