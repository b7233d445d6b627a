import { useCallback, useState } from 'react'
import { ActionSheet, Button, Dialog, Form, Input, List, TextArea, Toast } from 'antd-mobile'
import { Link } from 'react-router-dom'
import './forms.css'
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
import { FormMessages, MoreButton, TitleBar } from '../ui'
import { LoadError, Loading } from './states'

/** A group's name as the choices show it. */
const groupName = (g: Group) => g.name || `群 ${g.id}`

/**
 * Chooses all groups (null) or one of `groups` from an action sheet; `label` is what the button
 * shows now, `allText` what all groups are called.
 */
function GroupChooser(props: {
  groups: Group[]
  value: number | null
  onChange: (id: number | null) => void
  allText: string
  title: string
  testId: string
  compact?: boolean
}) {
  const [open, setOpen] = useState(false)
  const chosen = props.groups.find((g) => g.id === props.value)
  const label = chosen ? groupName(chosen) : props.allText
  const actions = [
    { key: 'all', text: props.allText, bold: props.value === null },
    ...props.groups.map((g) => ({ key: g.id, text: groupName(g), bold: g.id === props.value })),
  ]
  return (
    <>
      {props.compact ? (
        <Button size="mini" fill="outline" data-testid={props.testId} aria-label={props.title} onClick={() => setOpen(true)}>
          <span className="chooser-label">{label}</span> ▾
        </Button>
      ) : (
        <List.Item
          className="chooser"
          data-testid={props.testId}
          data-value={props.value ?? ''}
          onClick={() => setOpen(true)}
          extra={<span className="chooser-label">{label}</span>}
        >
          {props.title}
        </List.Item>
      )}
      <ActionSheet
        visible={open}
        data-testid={`${props.testId}-sheet`}
        extra={props.title}
        cancelText="取消"
        actions={actions}
        onAction={(action) => props.onChange(action.key === 'all' ? null : Number(action.key))}
        closeOnAction
        onClose={() => setOpen(false)}
      />
    </>
  )
}

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
      <TitleBar title="关键词回复" />
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
          <GroupChooser
            compact
            groups={groups}
            value={filter}
            onChange={setFilter}
            allText="全部"
            title="按群筛选"
            testId="keyword-filter"
          />
        </h2>
        <KeywordList
          key={`${filter ?? ''}:${version}`}
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

  const onSubmit = async () => {
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
    <Form
      className="card"
      data-testid="keyword-form"
      layout="vertical"
      onFinish={onSubmit}
      footer={
        <>
          <FormMessages notice={notice} noticeTestId="keyword-added" error={error} />
          <Button block type="submit" color="primary" size="large" data-testid="keyword-submit" disabled={submitting}>
            {submitting ? '正在保存…' : '添加关键词'}
          </Button>
        </>
      }
    >
      <GroupChooser
        groups={groups}
        value={groupId}
        onChange={(id) => {
          setGroupId(id)
          setError('')
        }}
        allText="全部群"
        title="生效群"
        testId="keyword-group"
      />
      <Form.Item
        label="关键词"
        extra={
          <span className={`counter${keywordLength > KEYWORD_MAX ? ' counter-over' : ''}`} data-testid="keyword-count">
            {keywordLength}/{KEYWORD_MAX}
          </span>
        }
      >
        <Input
          aria-label="关键词"
          data-testid="keyword-input"
          placeholder="如：价格"
          value={keyword}
          onChange={(value) => {
            setKeyword(value)
            setError('')
          }}
        />
      </Form.Item>
      <Form.Item
        label="回复内容"
        extra={
          <span className={`counter${replyLength > REPLY_MAX ? ' counter-over' : ''}`} data-testid="reply-count">
            {replyLength}/{REPLY_MAX}
          </span>
        }
      >
        <TextArea
          aria-label="回复内容"
          data-testid="reply-input"
          placeholder="机器人自动回复的内容"
          rows={4}
          autoSize={{ minRows: 4, maxRows: 10 }}
          value={reply}
          onChange={(value) => {
            setReply(value)
            setError('')
          }}
        />
      </Form.Item>
    </Form>
  )
}

/** The keywords a page at a time (加载更多), so that every one can be seen and deleted. */
function KeywordList({ groupId, onDeleted }: { groupId: number | null; onDeleted: () => void }) {
  const load = useCallback((page: number, size: number) => getKeywords(groupId, page, size), [groupId])
  const list = usePages(load)

  if (!list.loaded) {
    if (list.error) return <MoreButton list={list} testId="keywords" />
    return (
      <p className="empty" aria-busy="true" data-testid="keywords-loading">
        加载中…
      </p>
    )
  }
  const items = list.items

  /** Asks before deleting; a refusal is said in a toast. */
  const onDelete = (k: Keyword) => {
    Dialog.confirm({
      title: '删除该关键词？',
      content: `删除后机器人不再回复「${k.keyword}」。`,
      confirmText: '删除',
      cancelText: '取消',
      onConfirm: async () => {
        try {
          await deleteKeyword(k.id)
          track('keyword_deleted')
          onDeleted()
        } catch (e) {
          if (sessionGone(e)) return
          Toast.show({ content: e instanceof ApiError ? e.message : '删除失败，请稍后再试' })
        }
      },
    })
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
                  <span className="tag" data-testid="keyword-scope" title={keywordScope(k.group_id, k.group_name)}>
                    {keywordScope(k.group_id, k.group_name)}
                  </span>
                </div>
                <p className="keyword-reply" data-testid="keyword-reply">
                  {k.reply}
                </p>
                <p className="person-meta">{formatDate(k.created_at)} 添加</p>
              </div>
              <Button size="small" fill="outline" color="danger" data-testid="keyword-delete" onClick={() => onDelete(k)}>
                删除
              </Button>
            </li>
          ))}
        </ul>
      )}
      <MoreButton list={list} testId="keywords" />
    </>
  )
}
