// 短链接: shorten a URL (the same URL within the window answers the same code), list, disable.
import { useState, type FormEvent } from 'react'
import {
  canWrite,
  createShortLink,
  disableShortLink,
  listShortLinks,
  type ApiError,
  type ShortLink,
} from '../api'
import { useAuth } from '../auth'
import { useConfirmedAction, usePagedList } from '../components/hooks'
import { useToast } from '../components/toast'
import { ACTIONS, ListFrame, PageHead, ReadOnlyNote, RowAction, SearchBox, Table, Tag, numeric } from '../components/ui'
import { formatDateTime } from '../lib/dates'

const FILTER_DEFAULTS = { q: '' }

export default function ShortLinks() {
  const { operator } = useAuth()
  const writable = canWrite(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, ({ q }, paging) => listShortLinks({ q, ...paging }))
  const { filters, filter, reload } = list
  const disabling = useConfirmedAction<ShortLink['id']>()

  const onDisable = (link: ShortLink) =>
    disabling.run(link.id, {
      confirm: {
        title: '停用短链接',
        message: `停用后访问 ${link.short_url} 将显示“链接不存在”，且不能恢复。确定停用？`,
        okText: '停用',
        danger: true,
      },
      act: () => disableShortLink(link.id),
      done: '已停用',
      then: reload,
    })

  return (
    <>
      <PageHead title="短链接" hint="短码永久有效，停用后失效；同一链接在复用窗口内重复生成会得到同一短码" />
      {writable ? <CreateLink onCreated={reload} /> : <ReadOnlyNote />}
      <section className="card">
        <div className="toolbar">
          <SearchBox
            value={filters.q}
            placeholder="短码 / 链接"
            testId="shortlinks-search"
            onSearch={(q) => filter({ q })}
          />
        </div>
        <ListFrame
          list={list}
          testId="shortlinks-list"
          empty={{ text: filters.q ? '没有匹配的短链接' : '暂无短链接', testId: 'shortlinks-empty' }}
        >
          {(data) => (
            <Table
              testId="shortlinks-table"
              columns={['短码', '短链接', '目标地址', numeric('访问次数'), '状态', '创建时间', writable && ACTIONS]}
              items={data.items}
              row={(link) => (
                <tr key={link.id} data-testid="shortlink-row">
                  <td className="mono">{link.code}</td>
                  <td className="mono nowrap">
                    <a href={link.short_url} target="_blank" rel="noreferrer">
                      {link.short_url}
                    </a>
                  </td>
                  <td className="ellipsis" title={link.url}>
                    {link.url}
                  </td>
                  <td className="num">{link.visits}</td>
                  <td>{link.disabled ? <Tag tone="danger">已停用</Tag> : <Tag tone="success">正常</Tag>}</td>
                  <td className="nowrap">{formatDateTime(link.created_at)}</td>
                  {writable && (
                    <td className="actions">
                      {!link.disabled && (
                        <RowAction
                          testId="shortlink-disable"
                          danger
                          disabled={disabling.busyId === link.id}
                          onClick={() => onDisable(link)}
                        >
                          停用
                        </RowAction>
                      )}
                    </td>
                  )}
                </tr>
              )}
            />
          )}
        </ListFrame>
      </section>
      {disabling.dialog}
    </>
  )
}

function CreateLink({ onCreated }: { onCreated: () => void }) {
  const toast = useToast()
  const [url, setUrl] = useState('')
  const [result, setResult] = useState<ShortLink | null>(null)
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)
  const [copied, setCopied] = useState(false)

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const target = url.trim()
    if (!target) return setProblem('请输入链接')
    if (!/^https?:\/\//i.test(target)) return setProblem('链接须以 http:// 或 https:// 开头')
    setProblem('')
    setBusy(true)
    setCopied(false)
    try {
      const link = await createShortLink(target)
      setResult(link)
      toast.success(link.reused ? '该链接近期已生成过，已复用原短码' : '已生成短链接')
      onCreated()
    } catch (err) {
      setResult(null)
      setProblem((err as ApiError).message || '生成失败')
      toast.error((err as ApiError).message)
    } finally {
      setBusy(false)
    }
  }

  const copy = async () => {
    if (!result) return
    try {
      await navigator.clipboard.writeText(result.short_url)
      setCopied(true)
    } catch {
      toast.error('复制失败，请手动复制')
    }
  }

  return (
    <form className="card" onSubmit={onSubmit} noValidate data-testid="shortlink-form">
      <h2 className="card-title">生成短链接</h2>
      <div className="inline-form">
        <input
          type="url"
          value={url}
          aria-label="长链接"
          placeholder="https://example.com/…"
          data-testid="shortlink-url"
          onChange={(e) => setUrl(e.target.value)}
        />
        <button className="btn btn-primary" type="submit" disabled={busy} data-testid="shortlink-create">
          {busy ? '生成中…' : '生成'}
        </button>
      </div>
      {problem && (
        <div className="alert" role="alert">
          {problem}
        </div>
      )}
      {result && (
        <div className="result-box" data-testid="shortlink-result">
          <span className="muted">短链接</span>
          <a href={result.short_url} target="_blank" rel="noreferrer" className="mono" data-testid="shortlink-result-url">
            {result.short_url}
          </a>
          {result.reused && (
            <Tag tone="warning" testId="shortlink-reused">
              已复用
            </Tag>
          )}
          <button type="button" className="btn btn-default btn-sm" onClick={copy}>
            {copied ? '已复制' : '复制'}
          </button>
        </div>
      )}
    </form>
  )
}
