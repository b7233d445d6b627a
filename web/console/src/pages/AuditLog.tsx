// 操作日志: every operator action that changed data, newest first.
import { useState, type FormEvent } from 'react'
import { listAuditLog, type AuditEntry } from '../api'
import { useLoad, useQueryState } from '../components/hooks'
import { Empty, LoadError, Loading, PageHead, Pager } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { DEFAULT_PAGE_SIZE, parsePage } from '../lib/paging'
import { compactJson, prettyJson } from '../lib/text'

const FILTER_DEFAULTS = { operator: '', action: '', page: '1' }

const shown = (value: unknown): string =>
  value === null || value === undefined || value === '' ? '—' : typeof value === 'object' ? compactJson(value, 60) : String(value)

export default function AuditLog() {
  const [filters, setFilters] = useQueryState(FILTER_DEFAULTS)
  const page = parsePage(filters.page)
  const { data, error, loading, reload } = useLoad(
    () => listAuditLog({ operator: filters.operator, action: filters.action, page, page_size: DEFAULT_PAGE_SIZE }),
    [filters.operator, filters.action, page],
  )

  return (
    <>
      <PageHead title="操作日志" hint="操作员每一次修改数据的操作" />
      <section className="card">
        <Filters
          operator={filters.operator}
          action={filters.action}
          onApply={(operator, action) => setFilters({ operator, action, page: '1' })}
        />
        {!data && loading && <Loading />}
        {!data && error && <LoadError error={error} onRetry={reload} />}
        {data && (
          <div className={loading ? 'is-reloading' : undefined} data-testid="audit-list">
            {error && <p className="text-danger small">{error.message}</p>}
            {data.items.length === 0 ? (
              <Empty
                text={filters.operator || filters.action ? '没有符合条件的操作记录' : '暂无操作记录'}
                testId="audit-empty"
              />
            ) : (
              <table className="table" data-testid="audit-table">
                <thead>
                  <tr>
                    <th>时间</th>
                    <th>操作员</th>
                    <th>动作</th>
                    <th>对象</th>
                    <th>详情</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((entry) => (
                    <AuditRow key={entry.id} entry={entry} />
                  ))}
                </tbody>
              </table>
            )}
            <Pager
              page={data.page || page}
              pageSize={data.page_size || DEFAULT_PAGE_SIZE}
              total={data.total}
              onChange={(p) => setFilters({ page: String(p) })}
            />
          </div>
        )}
      </section>
    </>
  )
}

function Filters({
  operator,
  action,
  onApply,
}: {
  operator: string
  action: string
  onApply: (operator: string, action: string) => void
}) {
  const [op, setOp] = useState(operator)
  const [act, setAct] = useState(action)
  const [seen, setSeen] = useState({ operator, action })
  // Follow the address bar (back / forward).
  if (seen.operator !== operator || seen.action !== action) {
    setSeen({ operator, action })
    setOp(operator)
    setAct(action)
  }
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    onApply(op.trim(), act.trim())
  }
  return (
    <form className="toolbar" onSubmit={onSubmit} role="search">
      <label className="inline-field">
        <span>操作员</span>
        <input value={op} placeholder="用户名" data-testid="audit-operator" onChange={(e) => setOp(e.target.value)} />
      </label>
      <label className="inline-field">
        <span>动作</span>
        <input
          value={act}
          placeholder="例如 marquee.create"
          data-testid="audit-action"
          onChange={(e) => setAct(e.target.value)}
        />
      </label>
      <button className="btn btn-default" type="submit" data-testid="audit-filter-submit">
        筛选
      </button>
      {(operator || action) && (
        <button className="btn btn-ghost" type="button" onClick={() => onApply('', '')}>
          清除
        </button>
      )}
    </form>
  )
}

function AuditRow({ entry }: { entry: AuditEntry }) {
  const [open, setOpen] = useState(false)
  const compact = compactJson(entry.detail, 100)
  const empty = entry.detail === null || entry.detail === undefined || compact === '{}'
  return (
    <tr data-testid="audit-row">
      <td className="nowrap">{formatDateTime(entry.at, true)}</td>
      <td>{entry.operator ?? <span className="muted">系统</span>}</td>
      <td>
        <code className="code-tag">{entry.action}</code>
      </td>
      <td className="mono">{shown(entry.target)}</td>
      <td className="detail-cell">
        {empty ? (
          <span className="muted">—</span>
        ) : open ? (
          <div>
            <pre className="json" data-testid="audit-detail-full">
              {prettyJson(entry.detail)}
            </pre>
            <button className="btn btn-link" onClick={() => setOpen(false)}>
              收起
            </button>
          </div>
        ) : (
          <button
            className="json-compact"
            title="点击展开"
            data-testid="audit-detail"
            onClick={() => setOpen(true)}
          >
            {compact}
          </button>
        )}
      </td>
    </tr>
  )
}
