// 操作日志: every operator action that changed data, newest first.
import { useState } from 'react'
import { listAuditLog, type AuditEntry } from '../api'
import { useDraft, usePagedList } from '../components/hooks'
import { FilterBar, InlineField, ListFrame, PageHead, Table } from '../components/ui'
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
            <Table
              testId="audit-table"
              columns={['时间', '操作员', '动作', '对象', '详情']}
              items={data.items}
              row={(entry) => <AuditRow key={entry.id} entry={entry} />}
            />
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
  return (
    <FilterBar
      onSubmit={() => onApply(draft.operator.trim(), draft.action.trim())}
      submitTestId="audit-filter-submit"
      onClear={operator || action ? () => onApply('', '') : undefined}
    >
      <InlineField label="操作员">
        <input
          value={draft.operator}
          placeholder="用户名"
          data-testid="audit-operator"
          onChange={(e) => setDraft({ operator: e.target.value })}
        />
      </InlineField>
      <InlineField label="动作">
        <input
          value={draft.action}
          placeholder="例如 marquee.create"
          data-testid="audit-action"
          onChange={(e) => setDraft({ action: e.target.value })}
        />
      </InlineField>
    </FilterBar>
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
