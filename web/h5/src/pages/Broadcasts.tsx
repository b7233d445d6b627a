import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { Link } from 'react-router-dom'
import { buildContent, charCount, emptyContentFields, type ContentFields, type ContentKind } from '@gpet/common/content'
import {
  ApiError,
  type Broadcast,
  type Bubble,
  type Group,
  cancelBroadcast,
  createBroadcast,
  getBroadcasts,
  getGroups,
  previewBroadcast,
  sensitiveWords,
  sessionGone,
} from '../api'
import {
  KIND_LABELS,
  TEXT_MAX,
  allSelected,
  broadcastSaveMessage,
  broadcastStateLabel,
  contentSummary,
  defaultSendAt,
  draftError,
  previewKey,
  sendAtError,
  sendAtFromLocal,
  targetOutcome,
  toggleAll,
  toggleOne,
} from '../lib/broadcast'
import { formatDateTime } from '../lib/format'
import { useDebounced, useLoad } from '../hooks'
import { RobotIcon } from '../icons'
import { track } from '../track'
import { ConfirmDialog, FormError, LoadMore, PageHeader } from '../widgets'
import { LoadError, Loading } from './states'

const KINDS: ContentKind[] = ['text', 'link', 'miniprogram']
const PREVIEW_DELAY_MS = 300
const PAGE_SIZE = 20

/** /broadcasts: compose a mass message (群发) to chosen groups, now or later; the tasks so far. */
export default function Broadcasts() {
  const { state, reload } = useLoad(getGroups)
  // Bumped after a task is created: the list loads again.
  const [version, setVersion] = useState(0)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const active = state.data.items.filter((g) => g.state === 'active')

  return (
    <div className="page broadcasts-page">
      <PageHeader title="群发消息" />
      <p className="page-intro">通过机器人向你的群发送文字、链接或小程序卡片，可立即发送或定时发送。</p>
      <Composer groups={active} onCreated={() => setVersion((v) => v + 1)} />
      <BroadcastList key={version} />
    </div>
  )
}

// --- Compose ----------------------------------------------------------------------------

function Composer({ groups, onCreated }: { groups: Group[]; onCreated: () => void }) {
  const [draft, setDraft] = useState<ContentFields>(() => emptyContentFields())
  const [selected, setSelected] = useState<number[]>([])
  const [later, setLater] = useState(false)
  const [sendAt, setSendAt] = useState('')
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [submitting, setSubmitting] = useState(false)
  const ids = groups.map((g) => g.id)

  const edit = (fields: Partial<ContentFields>) => {
    setDraft((d) => ({ ...d, ...fields }))
    setNotice('')
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    setNotice('')
    const chosen = selected.filter((id) => ids.includes(id))
    const invalid =
      draftError(draft) ?? (chosen.length ? null : '请选择要群发的群') ?? (later ? sendAtError(sendAt) : null)
    setError(invalid ?? '')
    if (invalid) return
    const at = later ? sendAtFromLocal(sendAt) : null
    setSubmitting(true)
    try {
      const task = await createBroadcast({
        content: buildContent(draft),
        group_ids: chosen,
        ...(at ? { send_at: at } : {}),
      })
      track('broadcast_created', { kind: draft.kind, groups: chosen.length, scheduled: later })
      setDraft(emptyContentFields(draft.kind))
      setNotice(
        later
          ? `已创建定时群发，将于 ${formatDateTime(task.send_at)} 发送到 ${chosen.length} 个群`
          : `已开始群发到 ${chosen.length} 个群`,
      )
      onCreated()
    } catch (e) {
      if (sessionGone(e)) return
      setError(
        e instanceof ApiError ? broadcastSaveMessage(e.code, e.message, sensitiveWords(e)) : '提交失败，请稍后再试',
      )
    } finally {
      setSubmitting(false)
    }
  }

  return (
    <form className="card form composer" data-testid="broadcast-form" onSubmit={onSubmit} noValidate>
      <div className="segmented" role="radiogroup" aria-label="消息类型">
        {KINDS.map((kind) => (
          <button
            key={kind}
            type="button"
            role="radio"
            aria-checked={draft.kind === kind}
            className={draft.kind === kind ? 'segment segment-on' : 'segment'}
            data-testid={`kind-${kind}`}
            onClick={() => edit({ kind })}
          >
            {KIND_LABELS[kind]}
          </button>
        ))}
      </div>

      <ContentFields draft={draft} edit={edit} />

      <Preview draft={draft} />

      <fieldset className="fieldset" data-testid="group-picker">
        <legend className="fieldset-legend">
          发送到
          {groups.length > 0 && (
            <label className="check check-all">
              <input
                type="checkbox"
                data-testid="select-all"
                checked={allSelected(selected, ids)}
                onChange={() => setSelected(toggleAll(selected, ids))}
              />
              全选（{selected.filter((id) => ids.includes(id)).length}/{ids.length}）
            </label>
          )}
        </legend>
        {groups.length === 0 ? (
          <p className="empty" data-testid="broadcast-no-groups">
            没有运营中的群。
            <Link className="link" to="/robots">
              去领取机器人
            </Link>
          </p>
        ) : (
          <div className="check-list">
            {groups.map((g) => (
              <label key={g.id} className="check">
                <input
                  type="checkbox"
                  data-testid="group-option"
                  data-id={g.id}
                  checked={selected.includes(g.id)}
                  onChange={() => setSelected(toggleOne(selected, g.id))}
                />
                <span className="check-name">{g.name || `群 ${g.id}`}</span>
                <span className="muted">{g.member_count} 人</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>

      <fieldset className="fieldset">
        <legend className="fieldset-legend">发送时间</legend>
        <div className="radio-row">
          <label className="check">
            <input type="radio" name="when" data-testid="send-now" checked={!later} onChange={() => setLater(false)} />
            立即发送
          </label>
          <label className="check">
            <input
              type="radio"
              name="when"
              data-testid="send-later"
              checked={later}
              onChange={() => {
                setLater(true)
                if (!sendAt) setSendAt(defaultSendAt(Date.now()))
              }}
            />
            定时发送
          </label>
        </div>
        {later && (
          <label className="field">
            <span className="field-label">北京时间</span>
            <input
              className="field-input"
              type="datetime-local"
              data-testid="send-at"
              step={60}
              value={sendAt}
              onChange={(e) => setSendAt(e.target.value)}
            />
          </label>
        )}
      </fieldset>

      {notice && (
        <p className="form-notice" role="status" data-testid="broadcast-created">
          {notice}
        </p>
      )}
      <FormError error={error} />
      <button
        className="btn btn-primary btn-block"
        type="submit"
        data-testid="broadcast-submit"
        disabled={submitting || groups.length === 0}
      >
        {submitting ? '正在提交…' : later ? '定时群发' : '立即群发'}
      </button>
    </form>
  )
}

function ContentFields({ draft, edit }: { draft: ContentFields; edit: (fields: Partial<ContentFields>) => void }) {
  const input = (field: keyof ContentFields, label: string, testId: string, placeholder: string, type = 'text') => (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        className="field-input"
        type={type}
        data-testid={testId}
        placeholder={placeholder}
        value={draft[field]}
        onChange={(e) => edit({ [field]: e.target.value })}
      />
    </label>
  )

  switch (draft.kind) {
    case 'link':
      return (
        <>
          {input('title', '标题', 'link-title', '卡片标题')}
          {input('desc', '描述', 'link-desc', '选填，标题下方的说明')}
          {input('url', '链接', 'link-url', 'https://', 'url')}
          {input('image_url', '图片', 'link-image', '选填，卡片右侧图片地址', 'url')}
        </>
      )
    case 'miniprogram':
      return (
        <>
          {input('title', '标题', 'mp-title', '卡片标题')}
          {input('appid', 'AppID', 'mp-appid', '小程序 AppID，如 wx1234…')}
          {input('pagepath', '页面', 'mp-pagepath', '如 pages/index/index?id=1')}
          {input('thumb_url', '封面图', 'mp-thumb', '选填，封面图片地址', 'url')}
        </>
      )
    default: {
      const length = charCount(draft.text)
      return (
        <>
          <label className="field field-area">
            <span className="field-label">内容</span>
            <textarea
              className="field-input field-textarea"
              data-testid="content-text"
              placeholder="输入群发内容，换行会原样保留"
              rows={5}
              value={draft.text}
              onChange={(e) => edit({ text: e.target.value })}
            />
          </label>
          <div className={`counter counter-line${length > TEXT_MAX ? ' counter-over' : ''}`} data-testid="text-count">
            {length}/{TEXT_MAX}
          </div>
        </>
      )
    }
  }
}

// --- Preview ----------------------------------------------------------------------------

type PreviewState =
  | { kind: 'idle' }
  | { kind: 'loading'; bubble: Bubble | null }
  | { kind: 'ready'; bubble: Bubble; length: number }
  | { kind: 'error'; message: string }

/** What WeChat will show, as the server renders it, asked for once typing pauses. */
function usePreview(draft: ContentFields): PreviewState {
  const key = useDebounced(previewKey(draft), PREVIEW_DELAY_MS)
  const [state, setState] = useState<PreviewState>({ kind: 'idle' })
  const latest = useRef(0)

  useEffect(() => {
    const run = ++latest.current
    if (key === null) {
      setState({ kind: 'idle' })
      return
    }
    setState((s) => ({ kind: 'loading', bubble: s.kind === 'ready' || s.kind === 'loading' ? s.bubble : null }))
    previewBroadcast(JSON.parse(key)).then(
      (p) => run === latest.current && setState({ kind: 'ready', bubble: p.bubble, length: p.length }),
      (e: unknown) => {
        if (run !== latest.current || sessionGone(e)) return
        const message =
          e instanceof ApiError ? broadcastSaveMessage(e.code, e.message, sensitiveWords(e)) : '预览失败，请稍后再试'
        setState({ kind: 'error', message })
      },
    )
  }, [key])
  // Answers that come after the page is gone are dropped.
  useEffect(
    () => () => {
      latest.current++
    },
    [],
  )
  return state
}

function Preview({ draft }: { draft: ContentFields }) {
  const preview = usePreview(draft)
  const bubble = preview.kind === 'ready' || preview.kind === 'loading' ? preview.bubble : null

  return (
    <section className="preview" data-testid="preview" aria-busy={preview.kind === 'loading'} aria-label="预览">
      <div className="preview-head">
        <span>预览</span>
        {preview.kind === 'ready' && <span data-testid="preview-length">共 {preview.length} 字</span>}
        {preview.kind === 'loading' && <span>更新中…</span>}
      </div>
      <div className="chat">
        {preview.kind === 'error' ? (
          <p className="form-error" role="alert" data-testid="preview-error">
            {preview.message}
          </p>
        ) : bubble ? (
          <div className={`chat-msg${preview.kind === 'loading' ? ' is-stale' : ''}`}>
            <span className="chat-avatar" aria-hidden="true">
              <RobotIcon size={22} />
            </span>
            <BubbleView bubble={bubble} />
          </div>
        ) : preview.kind === 'loading' ? (
          <p className="chat-empty">正在生成预览…</p>
        ) : (
          <p className="chat-empty" data-testid="preview-empty">
            填写内容后，这里显示群成员在微信里看到的样子
          </p>
        )}
      </div>
    </section>
  )
}

/** A message as WeChat draws it: a text bubble, a link card or a mini-program card. */
function BubbleView({ bubble }: { bubble: Bubble }) {
  switch (bubble.kind) {
    case 'link':
      return (
        <div className="bubble wx-card link-card" data-testid="preview-link">
          <div className="link-card-title" data-testid="preview-link-title">
            {bubble.title}
          </div>
          <div className="link-card-body">
            <div className="link-card-desc" data-testid="preview-link-desc">
              {bubble.desc}
            </div>
            <CardImage src={bubble.image_url} className="link-card-image" testId="preview-link-image" />
          </div>
          <div className="wx-card-foot" data-testid="preview-link-domain">
            {bubble.domain || bubble.url}
          </div>
        </div>
      )
    case 'miniprogram':
      return (
        <div className="bubble wx-card mp-card" data-testid="preview-mp">
          <div className="mp-card-source" data-testid="preview-mp-source">
            <span className="mp-card-logo" aria-hidden="true" />
            {bubble.source || '小程序'}
          </div>
          <div className="mp-card-title" data-testid="preview-mp-title">
            {bubble.title}
          </div>
          <CardImage src={bubble.thumb_url} className="mp-card-thumb" testId="preview-mp-thumb" />
          <div className="wx-card-foot">小程序</div>
        </div>
      )
    default:
      return (
        <div className="bubble bubble-text" data-testid="preview-text">
          {bubble.text}
        </div>
      )
  }
}

/** A card's picture, or a grey box when there is none or it will not load. */
function CardImage({ src, className, testId }: { src?: string; className: string; testId: string }) {
  const [failed, setFailed] = useState<string | null>(null)
  if (!src || failed === src) return <div className={`${className} card-image-none`} aria-hidden="true" />
  return <img className={className} src={src} alt="" data-testid={testId} onError={() => setFailed(src)} />
}

// --- Tasks ------------------------------------------------------------------------------

interface ListState {
  items: Broadcast[]
  page: number
  more: boolean
  loading: boolean
  error: string
  /** The page whose load failed, to try again. */
  failedPage: number
}

function BroadcastList() {
  const [list, setList] = useState<ListState>({
    items: [],
    page: 0,
    more: true,
    loading: true,
    error: '',
    failedPage: 0,
  })
  const [cancelling, setCancelling] = useState<Broadcast | null>(null)
  const [busy, setBusy] = useState(false)
  const [cancelError, setCancelError] = useState('')
  const alive = useRef(true)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
    }
  }, [])

  const loadPage = useCallback((page: number) => {
    setList((l) => ({ ...l, loading: true, error: '' }))
    getBroadcasts(page, PAGE_SIZE).then(
      (answer) => {
        if (!alive.current) return
        setList((l) => {
          const items = page === 1 ? answer.items : [...l.items, ...answer.items.filter((b) => !l.items.some((x) => x.id === b.id))]
          const more = typeof answer.total === 'number' ? items.length < answer.total : answer.items.length >= PAGE_SIZE
          return { items, page, more, loading: false, error: '', failedPage: 0 }
        })
      },
      (e: unknown) => {
        if (!alive.current || sessionGone(e)) return
        setList((l) => ({
          ...l,
          loading: false,
          error: e instanceof ApiError ? e.message : '加载失败，请稍后再试',
          failedPage: page,
        }))
      },
    )
  }, [])

  useEffect(() => loadPage(1), [loadPage])

  const onCancel = async () => {
    if (!cancelling) return
    setBusy(true)
    setCancelError('')
    try {
      const done = await cancelBroadcast(cancelling.id)
      track('broadcast_cancelled')
      setList((l) => ({ ...l, items: l.items.map((b) => (b.id === done.id ? done : b)) }))
      setCancelling(null)
    } catch (e) {
      if (sessionGone(e)) return
      setCancelError(e instanceof ApiError ? e.message : '取消失败，请稍后再试')
      // Sending may have started meanwhile: show where the task stands.
      loadPage(1)
    } finally {
      setBusy(false)
    }
  }

  let body: ReactNode
  if (list.items.length === 0 && list.loading) {
    body = (
      <p className="empty" aria-busy="true" data-testid="broadcasts-loading">
        加载中…
      </p>
    )
  } else if (list.items.length === 0 && list.error) {
    body = null
  } else if (list.items.length === 0) {
    body = (
      <p className="empty" data-testid="broadcasts-empty">
        还没有群发任务
      </p>
    )
  } else {
    body = (
      <ul className="broadcast-list" data-testid="broadcast-list">
        {list.items.map((b) => (
          <BroadcastRow
            key={b.id}
            broadcast={b}
            onCancel={() => {
              setCancelError('')
              setCancelling(b)
            }}
          />
        ))}
      </ul>
    )
  }

  return (
    <section className="card" data-testid="broadcasts">
      <h2 className="card-title">群发记录</h2>
      {body}
      <LoadMore
        list={{ ...list, loadMore: () => loadPage(list.error ? list.failedPage || 1 : list.page + 1) }}
        testId="broadcasts"
      />
      {cancelling && (
        <ConfirmDialog
          title="取消这次群发？"
          message={<>定于 {formatDateTime(cancelling.send_at)} 发送的任务将不再发送。</>}
          ok="取消群发"
          danger
          busy={busy}
          error={cancelError}
          onOk={onCancel}
          onCancel={() => setCancelling(null)}
        />
      )}
    </section>
  )
}

function BroadcastRow({ broadcast: b, onCancel }: { broadcast: Broadcast; onCancel: () => void }) {
  const sent = b.targets.filter((t) => t.state === 'sent').length
  const failed = b.targets.filter((t) => t.state === 'failed').length
  return (
    <li className="broadcast-row" data-testid="broadcast-row" data-id={b.id} data-state={b.state}>
      <div className="broadcast-head">
        <span className="broadcast-summary" data-testid="broadcast-summary">
          {contentSummary(b.content)}
        </span>
        <span className={`badge broadcast-${b.state}`} data-testid="broadcast-state" data-state={b.state}>
          {broadcastStateLabel(b.state)}
        </span>
      </div>
      <div className="person-meta">
        <span data-testid="broadcast-send-at">发送时间 {formatDateTime(b.send_at)}</span>
        {' · '}
        {b.targets.length} 个群，成功 {sent}
        {failed ? `，失败 ${failed}` : ''}
      </div>
      <ul className="target-list">
        {b.targets.map((t) => (
          <li key={t.group_id} className="target-row" data-testid="target-row" data-group-id={t.group_id}>
            <span className="target-name">{t.group_name || `群 ${t.group_id}`}</span>
            <span className="target-side">
              <span className={`target-state target-${t.state}`} data-testid="target-state" data-state={t.state}>
                {targetOutcome(t)}
              </span>
              {t.state === 'sent' && t.sent_at && (
                <span className="muted target-time">{formatDateTime(t.sent_at).slice(11)}</span>
              )}
            </span>
          </li>
        ))}
      </ul>
      {b.state === 'scheduled' && (
        <button type="button" className="btn btn-small btn-outline" data-testid="broadcast-cancel" onClick={onCancel}>
          取消群发
        </button>
      )}
    </li>
  )
}
