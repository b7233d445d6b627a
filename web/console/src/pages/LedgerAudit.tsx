// 账本校验 (finance and admin): the ledger's invariant checks as the daily job last ran them —
// the verdict, each check with its detail — and the last 30 runs.
import { Fragment, useState } from 'react'
import { getLedgerAudit, type LedgerAudit as Audit } from '../api'
import { useLoad } from '../components/hooks'
import { Empty, ListFrame, PageHead, StateTag, Table, Tag, numeric } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { auditHistory, auditVerdict, failedChecks } from '../lib/ledger'

export default function LedgerAudit() {
  const audits = useLoad(getLedgerAudit, [])

  return (
    <>
      <PageHead title="账本校验" hint="每日校验账本不变量（借贷平衡、余额与分录一致等）；失败时邮件告警" />
      <ListFrame list={audits} testId="ledger-audit">
        {({ latest, history }) => (
          <>
            <section className="card" data-testid="ledger-latest">
              <h2 className="card-title">最近一次校验</h2>
              {latest ? <Latest audit={latest} /> : <Empty text="暂无校验记录" testId="ledger-latest-empty" />}
            </section>
            <section className="card">
              <h2 className="card-title">校验历史（最近 30 次）</h2>
              <History history={auditHistory(history)} />
            </section>
          </>
        )}
      </ListFrame>
    </>
  )
}

function Latest({ audit }: { audit: Audit }) {
  const verdict = auditVerdict(audit)
  return (
    <>
      <div className={audit.ok ? 'audit-verdict ok' : 'audit-verdict failed'} data-testid="ledger-status" data-ok={audit.ok}>
        <span className="audit-dot" aria-hidden="true" />
        <strong>{verdict.label}</strong>
        <span className="muted">{formatDateTime(audit.at, true)}</span>
        <span className="muted">
          账户 {audit.accounts} · 分录 {audit.entries} · 交易 {audit.transactions}
        </span>
      </div>
      <Checks audit={audit} />
    </>
  )
}

function Checks({ audit }: { audit: Audit }) {
  if (!audit.checks?.length) return <Empty text="本次没有校验项" testId="ledger-checks-empty" />
  return (
    <Table
      testId="ledger-checks"
      columns={['校验项', '结果', '详情']}
      items={audit.checks}
      row={(c) => (
        <tr key={c.name} data-testid="ledger-check" data-name={c.name} data-ok={c.ok}>
          <td>{c.name}</td>
          <td>
            <Tag tone={c.ok ? 'success' : 'danger'}>{c.ok ? '通过' : '不通过'}</Tag>
          </td>
          <td className="wrap">{c.detail || <span className="muted">—</span>}</td>
        </tr>
      )}
    />
  )
}

function History({ history }: { history: Audit[] }) {
  const [open, setOpen] = useState<Audit['id'] | null>(null)
  if (history.length === 0) return <Empty text="暂无校验记录" testId="ledger-history-empty" />
  return (
    <Table
      testId="ledger-history"
      columns={[
        '时间',
        '结果',
        '未通过的校验项',
        numeric('账户'),
        numeric('分录'),
        numeric('交易'),
        { label: '详情', className: 'actions' },
      ]}
      items={history}
      row={(a) => {
        const failed = failedChecks(a)
        const expanded = open === a.id
        return (
          <Fragment key={a.id}>
            <tr data-testid="ledger-history-row" data-ok={a.ok}>
              <td className="nowrap">{formatDateTime(a.at, true)}</td>
              <td>
                <StateTag look={auditVerdict(a)} />
              </td>
              <td className="wrap">{failed.length ? failed.join('、') : <span className="muted">—</span>}</td>
              <td className="num">{a.accounts}</td>
              <td className="num">{a.entries}</td>
              <td className="num">{a.transactions}</td>
              <td className="actions">
                <button className="btn btn-link" onClick={() => setOpen(expanded ? null : a.id)}>
                  {expanded ? '收起' : '查看'}
                </button>
              </td>
            </tr>
            {expanded && (
              <tr className="expanded-row">
                <td colSpan={7}>
                  <Checks audit={a} />
                </td>
              </tr>
            )}
          </Fragment>
        )
      }}
    />
  )
}
