// 操作日志: every operator action that changed data, newest first.
import { useState, type FormEvent } from 'react'
import { listAuditLog, type AuditEntry } from '../api'
import { useDraft, usePagedList } from '../components/hooks'
import { ListFrame, PageHead } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { compactJson, prettyJson } from '../lib/text'

const FILTER_DEFAULTS = { operator: '', action: '' }

const shown = (value: unknown): string =>
  value === null || value === undefined || value === '' ? '—' : typeof value === 'object' ? compactJson(value, 60) : String(value)

export default function AuditLog() {
  const list = usePagedList(FILTER_DEFAULTS, (filters, paging) => listAuditLog({ ...filters, ...paging }))
  const { filters, filter } = list

  return (
    <>
      <PageHead title="操作日志" hint="操作员每一次修改数据的操作" />
      <section className="card">
        <Filters
          operator={filters.operator}
          action={filters.action}
          onApply={(operator, action) => filter({ operator, action })}
        />
        <ListFrame
          list={list}
          testId="audit-list"
          empty={{ text: filters.operator || filters.action ? '没有符合条件的操作记录' : '暂无操作记录', testId: 'audit-empty' }}
        >
          {(data) => (
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
        </ListFrame>
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
  // Follows the address bar (back / forward).
  const [draft, setDraft] = useDraft({ operator, action })
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    onApply(draft.operator.trim(), draft.action.trim())
  }
  return (
    <form className="toolbar" onSubmit={onSubmit} role="search">
      <label className="inline-field">
        <span>操作员</span>
        <input
          value={draft.operator}
          placeholder="用户名"
          data-testid="audit-operator"
          onChange={(e) => setDraft({ operator: e.target.value })}
        />
      </label>
      <label className="inline-field">
        <span>动作</span>
        <input
          value={draft.action}
          placeholder="例如 marquee.create"
          data-testid="audit-action"
          onChange={(e) => setDraft({ action: e.target.value })}
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
