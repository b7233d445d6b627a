import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import { Button, Checkbox, DatePicker, Dialog, Form, Input, Radio, Selector, TextArea, Toast } from 'antd-mobile'
import { Link } from 'react-router-dom'
import './forms.css'
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
  broadcastProgress,
  broadcastSaveMessage,
  broadcastStateLabel,
  contentSummary,
  createdNotice,
  defaultSendAt,
  draftError,
  earliestSendAt,
  latestSendAt,
  msFromWall,
  pickerLabel,
  plainMessage,
  previewKey,
  sendAtError,
  sendAtIso,
  sendAtLabel,
  targetOutcome,
  toggleAll,
  toggleOne,
  wallFromMs,
} from '../lib/broadcast'
import { formatDateTime } from '../lib/format'
import { useDebounced, useLoad } from '../hooks'
import { RobotIcon } from '../icons'
import { track } from '../track'
import { FormMessages, MoreButton, TitleBar } from '../ui'
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
      <TitleBar title="群发消息" />
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
  const [sendAt, setSendAt] = useState<number | null>(null)
  const [picking, setPicking] = useState(false)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [submitting, setSubmitting] = useState(false)
  const ids = groups.map((g) => g.id)
  // The picker's bounds, taken when it opens: from the next whole minute, nothing before.
  const [now, setNow] = useState(() => Date.now())

  // Whatever the owner changes, what was said of the last try no longer holds.
  const edit = (fields: Partial<ContentFields>) => {
    setDraft((d) => ({ ...d, ...fields }))
    setNotice('')
    setError('')
  }
  const select = (next: number[]) => {
    setSelected(next)
    setError('')
  }

  const onSubmit = async () => {
    setNotice('')
    const chosen = selected.filter((id) => ids.includes(id))
    const invalid =
      draftError(draft) ?? (chosen.length ? null : '请选择要群发的群') ?? (later ? sendAtError(sendAt, Date.now()) : null)
    setError(invalid ?? '')
    if (invalid) return
    const at = later && sendAt !== null ? sendAtIso(sendAt) : null
    setSubmitting(true)
    try {
      const task = await createBroadcast({
        content: buildContent(draft),
        group_ids: chosen,
        ...(at ? { send_at: at } : {}),
      })
      track('broadcast_created', { kind: draft.kind, groups: chosen.length, scheduled: later })
      setDraft(emptyContentFields(draft.kind))
      setNotice(createdNotice(task.send_at, chosen.length, later, Date.now()))
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

  const openPicker = () => {
    const t = Date.now()
    setNow(t)
    if (sendAt === null || sendAt < earliestSendAt(t)) setSendAt(defaultSendAt(t))
    setPicking(true)
  }

  return (
    <Form
      className="card composer"
      data-testid="broadcast-form"
      layout="vertical"
      onFinish={onSubmit}
      footer={
        <>
          <FormMessages notice={notice} noticeTestId="broadcast-created" error={error} />
          <Button
            block
            type="submit"
            color="primary"
            size="large"
            data-testid="broadcast-submit"
            disabled={submitting || groups.length === 0}
          >
            {submitting ? '正在提交…' : later ? '定时群发' : '立即群发'}
          </Button>
        </>
      }
    >
      <Form.Item label="消息类型">
        <Selector
          aria-label="消息类型"
          columns={3}
          showCheckMark={false}
          options={KINDS.map((kind) => ({ label: KIND_LABELS[kind], value: kind }))}
          value={[draft.kind]}
          onChange={(value) => value.length && edit({ kind: value[0] })}
        />
      </Form.Item>

      <ContentFields draft={draft} edit={edit} />

      <Preview draft={draft} />

      <Form.Item label="发送到">
        {groups.length > 0 && (
          <Checkbox
            className="check-all"
            data-testid="select-all"
            checked={allSelected(selected, ids)}
            indeterminate={selected.some((id) => ids.includes(id)) && !allSelected(selected, ids)}
            onChange={() => select(toggleAll(selected, ids))}
          >
            全选（{selected.filter((id) => ids.includes(id)).length}/{ids.length}）
          </Checkbox>
        )}
        <div data-testid="group-picker">
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
                <Checkbox
                  key={g.id}
                  className="check"
                  data-testid="group-option"
                  data-id={g.id}
                  checked={selected.includes(g.id)}
                  onChange={() => select(toggleOne(selected, g.id))}
                >
                  <span className="check-name">{g.name || `群 ${g.id}`}</span>
                  <span className="muted">{g.member_count} 人</span>
                </Checkbox>
              ))}
            </div>
          )}
        </div>
      </Form.Item>

      <Form.Item label="发送时间">
        <Radio.Group
          value={later ? 'later' : 'now'}
          onChange={(value) => {
            const isLater = value === 'later'
            setLater(isLater)
            setError('')
            if (isLater && sendAt === null) setSendAt(defaultSendAt(Date.now()))
          }}
        >
          <div className="radio-row">
            <Radio value="now" data-testid="send-now">
              立即发送
            </Radio>
            <Radio value="later" data-testid="send-later">
              定时发送
            </Radio>
          </div>
        </Radio.Group>
        {later && (
          <Button
            className="send-at"
            block
            fill="outline"
            data-testid="send-at"
            data-ms={sendAt ?? undefined}
            onClick={openPicker}
          >
            {sendAt === null ? '选择发送时间' : `北京时间 ${sendAtLabel(sendAt)}`}
          </Button>
        )}
        <DatePicker
          title="选择发送时间（北京时间）"
          precision="minute"
          visible={picking}
          min={wallFromMs(earliestSendAt(now))}
          max={wallFromMs(latestSendAt(now))}
          value={sendAt === null ? null : wallFromMs(Math.max(sendAt, earliestSendAt(now)))}
          renderLabel={pickerLabel}
          onClose={() => setPicking(false)}
          onConfirm={(wall) => {
            setSendAt(msFromWall(wall))
            setError('')
          }}
        />
      </Form.Item>
    </Form>
  )
}

function ContentFields({ draft, edit }: { draft: ContentFields; edit: (fields: Partial<ContentFields>) => void }) {
  const input = (field: keyof ContentFields, label: string, testId: string, placeholder: string, type = 'text') => (
    <Form.Item label={label}>
      <Input
        aria-label={label}
        type={type}
        data-testid={testId}
        placeholder={placeholder}
        value={draft[field]}
        onChange={(value) => edit({ [field]: value })}
      />
    </Form.Item>
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
        <Form.Item
          label="内容"
          extra={
            <span className={`counter${length > TEXT_MAX ? ' counter-over' : ''}`} data-testid="text-count">
              {length}/{TEXT_MAX}
            </span>
          }
        >
          <TextArea
            aria-label="内容"
            data-testid="content-text"
            placeholder="输入群发内容，换行会原样保留"
            rows={5}
            autoSize={{ minRows: 5, maxRows: 12 }}
            value={draft.text}
            onChange={(value) => edit({ text: value })}
          />
        </Form.Item>
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

  /** Asks before cancelling a scheduled task; on a refusal, says why and shows where it stands. */
  const onCancel = (b: Broadcast) => {
    Dialog.confirm({
      title: '取消这次群发？',
      content: `定于 ${formatDateTime(b.send_at)} 发送的任务将不再发送。`,
      confirmText: '取消群发',
      cancelText: '不取消',
      onConfirm: async () => {
        try {
          const done = await cancelBroadcast(b.id)
          track('broadcast_cancelled')
          setList((l) => ({ ...l, items: l.items.map((x) => (x.id === done.id ? done : x)) }))
          Toast.show({ content: '已取消群发', icon: 'success' })
        } catch (e) {
          if (sessionGone(e)) return
          Toast.show({ content: e instanceof ApiError ? plainMessage(e.message, '取消失败，请稍后再试') : '取消失败，请稍后再试' })
          // Sending may have started meanwhile: show where the task stands.
          loadPage(1)
        }
      },
    })
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
          <BroadcastRow key={b.id} broadcast={b} onCancel={() => onCancel(b)} />
        ))}
      </ul>
    )
  }

  return (
    <section className="card" data-testid="broadcasts">
      <h2 className="card-title">群发记录</h2>
      {body}
      <MoreButton
        list={{ ...list, loadMore: () => loadPage(list.error ? list.failedPage || 1 : list.page + 1) }}
        testId="broadcasts"
      />
    </section>
  )
}

function BroadcastRow({ broadcast: b, onCancel }: { broadcast: Broadcast; onCancel: () => void }) {
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
        <span data-testid="broadcast-progress">{broadcastProgress(b)}</span>
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
        <Button size="small" fill="outline" data-testid="broadcast-cancel" onClick={onCancel}>
          取消群发
        </Button>
      )}
    </li>
  )
}
