import { useCallback, useState, type FormEvent } from 'react'
import { Link } from 'react-router-dom'
import { charCount } from '@gpet/common/content'
import {
  ApiError,
  type Group,
  type Keyword,
  addKeyword,
  deleteKeyword,
  getGroups,
  getKeywords,
  sensitiveWords,
  sessionGone,
} from '../api'
import { formatDate } from '../lib/format'
import { useLoad, usePages } from '../hooks'
import {
  KEYWORD_MAX,
  REPLY_MAX,
  keywordFormError,
  keywordSaveMessage,
  keywordScope,
  normalizeKeyword,
} from '../lib/keywords'
import { track } from '../track'
import { ConfirmDialog, FormError, LoadMore, PageHeader } from '../widgets'
import { LoadError, Loading } from './states'


/** A select's value for a group filter or scope: '' is all groups. */
const groupValue = (id: number | null) => (id === null ? '' : String(id))
const groupFromValue = (value: string) => (value === '' ? null : Number(value))

/** /keywords: keyword → reply pairs the robots answer with, per group or for all groups. */
export default function Keywords() {
  const { state, reload } = useLoad(getGroups)
  const [filter, setFilter] = useState<number | null>(null)
  // Bumped after an addition or a deletion: the list loads again from its first page.
  const [version, setVersion] = useState(0)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const groups = state.data.items
  const active = groups.filter((g) => g.state === 'active')

  return (
    <div className="page keywords-page">
      <PageHeader title="关键词回复" />
      <p className="page-intro">群成员发送的消息包含关键词时，机器人自动回复你设置的内容。</p>
      {active.length === 0 && (
        <p className="notice notice-warn" data-testid="keywords-no-groups">
          你还没有运营中的群，关键词将在机器人进群后生效。
          <Link className="link" to="/robots">
            去领取机器人
          </Link>
        </p>
      )}
      <KeywordForm groups={active} onAdded={() => setVersion((v) => v + 1)} />

      <section className="card">
        <h2 className="card-title">
          已设置的关键词
          <select
            className="select-small"
            data-testid="keyword-filter"
            aria-label="按群筛选"
            value={groupValue(filter)}
            onChange={(e) => setFilter(groupFromValue(e.target.value))}
          >
            <option value="">全部</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name || `群 ${g.id}`}
              </option>
            ))}
          </select>
        </h2>
        <KeywordList
          key={`${groupValue(filter)}:${version}`}
          groupId={filter}
          onDeleted={() => setVersion((v) => v + 1)}
        />
      </section>
    </div>
  )
}

function KeywordForm({ groups, onAdded }: { groups: Group[]; onAdded: () => void }) {
  const [groupId, setGroupId] = useState<number | null>(null)
  const [keyword, setKeyword] = useState('')
  const [reply, setReply] = useState('')
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [submitting, setSubmitting] = useState(false)

  const keywordLength = charCount(keyword.trim())
  const replyLength = charCount(reply.trim())

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    setNotice('')
    const invalid = keywordFormError({ keyword, reply })
    setError(invalid ?? '')
    if (invalid) return
    setSubmitting(true)
    try {
      const saved = await addKeyword({ group_id: groupId, ...normalizeKeyword({ keyword, reply }) })
      track('keyword_added', { group_id: groupId })
      setKeyword('')
      setReply('')
      setNotice(`已添加关键词「${saved.keyword}」`)
      onAdded()
    } catch (e) {
      if (sessionGone(e)) return
      setError(
        e instanceof ApiError ? keywordSaveMessage(e.code, e.message, sensitiveWords(e)) : '保存失败，请稍后再试',
      )
    } finally {
      setSubmitting(false)
    }
  }

  return (
    <form className="card form" data-testid="keyword-form" onSubmit={onSubmit} noValidate>
      <label className="field">
        <span className="field-label">生效群</span>
        <select
          className="field-input"
          data-testid="keyword-group"
          value={groupValue(groupId)}
          onChange={(e) => setGroupId(groupFromValue(e.target.value))}
        >
          <option value="">全部群</option>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name || `群 ${g.id}`}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">关键词</span>
        <input
          className="field-input"
          data-testid="keyword-input"
          placeholder="如：价格"
          value={keyword}
          onChange={(e) => setKeyword(e.target.value)}
        />
        <span className={`counter${keywordLength > KEYWORD_MAX ? ' counter-over' : ''}`} data-testid="keyword-count">
          {keywordLength}/{KEYWORD_MAX}
        </span>
      </label>
      <label className="field field-area">
        <span className="field-label">回复内容</span>
        <textarea
          className="field-input field-textarea"
          data-testid="reply-input"
          placeholder="机器人自动回复的内容"
          rows={4}
          value={reply}
          onChange={(e) => setReply(e.target.value)}
        />
      </label>
      <div className={`counter counter-line${replyLength > REPLY_MAX ? ' counter-over' : ''}`} data-testid="reply-count">
        {replyLength}/{REPLY_MAX}
      </div>
      {notice && (
        <p className="form-notice" role="status" data-testid="keyword-added">
          {notice}
        </p>
      )}
      <FormError error={error} />
      <button className="btn btn-primary btn-block" type="submit" data-testid="keyword-submit" disabled={submitting}>
        {submitting ? '正在保存…' : '添加关键词'}
      </button>
    </form>
  )
}

/** The keywords a page at a time (加载更多), so that every one can be seen and deleted. */
function KeywordList({ groupId, onDeleted }: { groupId: number | null; onDeleted: () => void }) {
  const load = useCallback((page: number, size: number) => getKeywords(groupId, page, size), [groupId])
  const list = usePages(load)
  const [deleting, setDeleting] = useState<Keyword | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  if (!list.loaded) {
    if (list.error) return <LoadMore list={list} testId="keywords" />
    return (
      <p className="empty" aria-busy="true" data-testid="keywords-loading">
        加载中…
      </p>
    )
  }
  const items = list.items

  const onDelete = async () => {
    if (!deleting) return
    setBusy(true)
    setError('')
    try {
      await deleteKeyword(deleting.id)
      track('keyword_deleted')
      setDeleting(null)
      onDeleted()
    } catch (e) {
      if (sessionGone(e)) return
      setError(e instanceof ApiError ? e.message : '删除失败，请稍后再试')
    } finally {
      setBusy(false)
    }
  }

  return (
    <>
      {items.length === 0 ? (
        <p className="empty" data-testid="keywords-empty">
          还没有关键词
        </p>
      ) : (
        <ul className="keyword-list" data-testid="keyword-list">
          {items.map((k) => (
            <li key={k.id} className="keyword-row" data-testid="keyword-row" data-id={k.id}>
              <div className="keyword-main">
                <div className="keyword-head">
                  <span className="keyword-text" data-testid="keyword-text">
                    {k.keyword}
                  </span>
                  <span className="tag" data-testid="keyword-scope">
                    {keywordScope(k.group_id, k.group_name)}
                  </span>
                </div>
                <p className="keyword-reply" data-testid="keyword-reply">
                  {k.reply}
                </p>
                <p className="person-meta">{formatDate(k.created_at)} 添加</p>
              </div>
              <button
                type="button"
                className="btn btn-small btn-outline"
                data-testid="keyword-delete"
                onClick={() => {
                  setError('')
                  setDeleting(k)
                }}
              >
                删除
              </button>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} testId="keywords" />
      {deleting && (
        <ConfirmDialog
          title="删除该关键词？"
          message={<>删除后机器人不再回复「{deleting.keyword}」。</>}
          ok="删除"
          danger
          busy={busy}
          error={error}
          onOk={onDelete}
          onCancel={() => setDeleting(null)}
        />
      )}
    </>
  )
}
