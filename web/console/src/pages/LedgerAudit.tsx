// 账本校验 (finance and admin): the ledger's invariant checks as the daily job last ran them —
// the verdict, each check with its detail — and the last 30 runs; 立即核对 runs them now.
import { useEffect, useState } from 'react'
import { App as AntApp, Alert, Button, Card, Descriptions, Empty, Progress, Space, Table, Tag, Typography } from 'antd'
import { api, canFinance, getLedgerAudit, type AuditCheck, type LedgerAudit as Audit, type LedgerAudits } from '../api'
import { useAuth } from '../auth'
import { useLoad } from '../components/hooks'
import { Forbidden, LoadState } from '../components/LoadState'
import { formatDateTime } from '../lib/dates'
import { auditHistory, auditVerdict, failedChecks, runAnswer, runProgress } from '../lib/ledger'
import { toneColor } from '../lib/tone'

/** Runs the audit now (admin, finance): the report as GET answers it. */
const runLedgerAudit = () => api<LedgerAudits>('/api/console/ledger/audit/run', { method: 'POST', body: {} })

export default function LedgerAudit() {
  const { operator } = useAuth()
  if (operator && !canFinance(operator.role)) return <Forbidden />
  return <LedgerAuditPage />
}

function LedgerAuditPage() {
  const audits = useLoad(getLedgerAudit, [])
  const { data, error, reload, setData } = audits

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>账本校验</Typography.Title>
          <Typography.Text type="secondary">核对账本是否平衡、每个账户的余额是否与流水一致</Typography.Text>
        </div>
      </div>
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 16 }}
        data-testid="ledger-explain"
        title="这是什么"
        description={
          <>
            {'系统每天凌晨 3:00（北京时间）自动核对一次账本：借贷是否平衡、每个账户的余额是否等于其流水之和等。'}
            {'任何一项不通过都会发邮件告警，请联系技术同事排查，期间不要手动调整余额。'}
            {'刚处理完结算、驳回或重试等操作后想马上确认，可点“立即核对”，结果会记入下方历史。'}
          </>
        }
      />
      {!data ? (
        <LoadState error={error} onRetry={reload} />
      ) : (
        <div data-testid="ledger-audit">
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Card
              title="最近一次校验"
              data-testid="ledger-latest"
              extra={<RunButton onDone={(report) => setData(runAnswer(report, data))} />}
            >
              {data.latest ? (
                <Latest audit={data.latest} />
              ) : (
                <div data-testid="ledger-latest-empty">
                  <Empty description="暂无校验记录：每天凌晨 3:00 自动核对，也可点“立即核对”" />
                </div>
              )}
            </Card>
            <Card title="校验历史（最近 30 次）">
              <History history={auditHistory(data.history)} />
            </Card>
          </Space>
        </div>
      )}
    </>
  )
}

/** 立即核对: runs the audit now, showing the time it takes, then the verdict. */
function RunButton({ onDone }: { onDone: (report: LedgerAudits | Audit) => void }) {
  const { message } = AntApp.useApp()
  const [started, setStarted] = useState<number | null>(null)
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (started === null) return
    const timer = setInterval(() => setNow(Date.now()), 500)
    return () => clearInterval(timer)
  }, [started])

  const run = async () => {
    const at = Date.now()
    setStarted(at)
    setNow(at)
    try {
      const report = await runLedgerAudit()
      onDone(report)
      const latest = 'latest' in report ? report.latest : report
      if (latest?.ok) message.success('核对完成：账本正常')
      else message.error('核对完成：发现异常，请查看未通过的校验项并联系技术同事')
    } catch (e) {
      message.error((e as Error).message || '核对失败，请稍后重试')
    } finally {
      setStarted(null)
    }
  }

  return (
    <Space>
      {started !== null && (
        <span data-testid="ledger-run-progress" role="status" style={{ display: 'inline-flex', alignItems: 'center', gap: 8 }}>
          <Progress type="circle" size={20} percent={runProgress(now - started)} showInfo={false} />
          正在核对账本…已用 {Math.floor((now - started) / 1000)} 秒
        </span>
      )}
      <Button type="primary" data-testid="ledger-run" loading={started !== null} onClick={run}>
        立即核对
      </Button>
    </Space>
  )
}

function Latest({ audit }: { audit: Audit }) {
  const verdict = auditVerdict(audit)
  return (
    <>
      <div data-testid="ledger-status" data-ok={audit.ok} style={{ marginBottom: 12 }}>
        <Descriptions
          size="small"
          column={{ xs: 1, md: 4 }}
          items={[
            {
              key: 'verdict',
              label: '结果',
              children: <Tag color={toneColor(verdict.tone)}>{verdict.label}</Tag>,
            },
            { key: 'at', label: '时间', children: formatDateTime(audit.at, true) },
            {
              key: 'size',
              label: '范围',
              children: `账户 ${audit.accounts} · 分录 ${audit.entries} · 交易 ${audit.transactions}`,
            },
          ]}
        />
      </div>
      <Checks audit={audit} />
    </>
  )
}

function Checks({ audit }: { audit: Audit }) {
  return (
    <Table<AuditCheck>
      size="small"
      data-testid="ledger-checks"
      rowKey="name"
      pagination={false}
      dataSource={audit.checks ?? []}
      locale={{ emptyText: <span data-testid="ledger-checks-empty">本次没有校验项</span> }}
      onRow={(c) => ({ 'data-testid': 'ledger-check', 'data-name': c.name, 'data-ok': c.ok }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: '校验项', dataIndex: 'name', key: 'name' },
        {
          title: '结果',
          key: 'ok',
          filters: [
            { text: '通过', value: true },
            { text: '不通过', value: false },
          ],
          onFilter: (value, c) => c.ok === value,
          render: (_, c) => <Tag color={c.ok ? 'success' : 'error'}>{c.ok ? '通过' : '不通过'}</Tag>,
        },
        { title: '详情', key: 'detail', render: (_, c) => c.detail || '—' },
      ]}
    />
  )
}

function History({ history }: { history: Audit[] }) {
  return (
    <Table<Audit>
      size="small"
      data-testid="ledger-history"
      rowKey={(a) => String(a.id)}
      dataSource={history}
      pagination={{ pageSize: 10, showSizeChanger: false, hideOnSinglePage: true }}
      locale={{ emptyText: <span data-testid="ledger-history-empty">暂无校验记录</span> }}
      onRow={(a) => ({ 'data-testid': 'ledger-history-row', 'data-ok': a.ok }) as React.HTMLAttributes<HTMLElement>}
      expandable={{ expandedRowRender: (a) => <Checks audit={a} />, expandRowByClick: false }}
      columns={[
        {
          title: '时间',
          key: 'at',
          className: 'nowrap',
          render: (_, a) => formatDateTime(a.at, true),
          sorter: (a, b) => Date.parse(a.at) - Date.parse(b.at),
        },
        {
          title: '结果',
          key: 'ok',
          filters: [
            { text: '校验通过', value: true },
            { text: '校验失败', value: false },
          ],
          onFilter: (value, a) => a.ok === value,
          render: (_, a) => {
            const v = auditVerdict(a)
            return <Tag color={toneColor(v.tone)}>{v.label}</Tag>
          },
        },
        {
          title: '未通过的校验项',
          key: 'failed',
          render: (_, a) => {
            const failed = failedChecks(a)
            return failed.length ? failed.join('、') : '—'
          },
        },
        { title: '账户', dataIndex: 'accounts', key: 'accounts', align: 'right' },
        { title: '分录', dataIndex: 'entries', key: 'entries', align: 'right' },
        { title: '交易', dataIndex: 'transactions', key: 'transactions', align: 'right' },
      ]}
    />
  )
}
