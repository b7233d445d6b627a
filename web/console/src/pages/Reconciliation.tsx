// 对账 (finance and admin): a day's payout orders against WeChat Pay's records of that day — the
// fund-flow bill (资金账单, downloaded and hash-checked) and, for orders it does not settle, the
// per-bill query — both counts and totals, the bill's own summary, and every difference (an
// order missing on either side, an amount or a state that disagrees). When WeChat Pay's bill
// cannot be had (not made yet, a 404, a file that fails its check), the page says so.
import { Alert, Button, Card, Col, DatePicker, Empty, Row, Space, Statistic, Table, Tag, Typography } from 'antd'
import { canFinance, isForbidden, type ApiError, getReconciliation, type Difference, type Reconciliation as Answer } from '../api'
import { useAuth } from '../auth'
import { useBusinessToday, useDraft, useLoad, useQueryState } from '../components/hooks'
import { Forbidden, LoadState } from '../components/LoadState'
import { dayToPicker, pickerToDay } from '../lib/beijing'
import { addDays, isDay } from '../lib/dates'
import { formatFen } from '../lib/money'
import { billText, differenceKind, queriesText, reconciliationSummary, sideText } from '../lib/reconciliation'
import { toneColor } from '../lib/tone'

const { Text } = Typography

export default function Reconciliation() {
  const { operator } = useAuth()
  if (operator && !canFinance(operator.role)) return <Forbidden />
  return <ReconciliationPage />
}

function ReconciliationPage() {
  const today = useBusinessToday()
  const [query, setQuery] = useQueryState({ day: '' })
  const day = isDay(query.day) ? query.day : today ? addDays(today, -1) : ''

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>对账</Typography.Title>
          <Text type="secondary">
            按日核对本地打款单与微信支付资金账单（次日 10 点后可查），账单未结清的单逐单向微信支付查询，列出每处差异
          </Text>
        </div>
      </div>
      <Card>{day ? <Result day={day} today={today ?? day} onDay={(d) => setQuery({ day: d })} /> : <LoadState />}</Card>
    </>
  )
}

function Result({ day, today, onDay }: { day: string; today: string; onDay: (day: string) => void }) {
  const [draft, setDraft] = useDraft({ day })
  const { data, error, loading, reload } = useLoad(() => getReconciliation(day), [day])

  const onSubmit = () => {
    if (!isDay(draft.day)) return
    if (draft.day === day) reload()
    else onDay(draft.day)
  }

  return (
    <>
      <Space wrap data-testid="reconciliation-form" style={{ marginBottom: 16 }}>
        <span>对账日期</span>
        <DatePicker
          aria-label="对账日期"
          value={dayToPicker(draft.day)}
          data-testid="reconciliation-day"
          disabledDate={(d) => pickerToDay(d) > today}
          onChange={(value) => {
            const next = pickerToDay(value)
            setDraft({ day: next })
            if (isDay(next)) onDay(next)
          }}
        />
        <Button loading={loading} data-testid="reconciliation-submit" onClick={onSubmit}>
          {loading ? '对账中…' : '重新对账'}
        </Button>
      </Space>
      {!data && !error && loading && (
        <div data-testid="loading" style={{ padding: 24, textAlign: 'center' }}>
          <Text type="secondary">正在向微信支付申请资金账单…</Text>
        </div>
      )}
      {error && !loading && <BillUnavailable day={day} error={error} onRetry={reload} />}
      {data && !(error && !loading) && (
        <div className={loading ? 'is-reloading' : undefined} data-testid="reconciliation-result" data-day={data.day}>
          <Summary answer={data} />
          <Bill answer={data} />
          <Differences answer={data} />
        </div>
      )}
    </>
  )
}

/**
 * WeChat Pay's bill of the day could not be had: the API's message (1101, in Chinese) for that
 * day, never an empty reconciliation.
 */
function BillUnavailable({ day, error, onRetry }: { day: string; error: ApiError; onRetry: () => void }) {
  if (isForbidden(error)) return <Forbidden message={error.message} />
  return (
    <div data-testid="reconciliation-error" data-day={day}>
      <Alert
        type="warning"
        showIcon
        title={`${day} 无法对账`}
        description={<span data-testid="reconciliation-error-message">{error.message || '无法取得微信支付的资金账单'}</span>}
        action={<Button onClick={onRetry}>重试</Button>}
      />
    </div>
  )
}

function Summary({ answer }: { answer: Answer }) {
  const { clean, differences, gapFen } = reconciliationSummary(answer)
  return (
    <Row gutter={[16, 16]} data-testid="reconciliation-summary" style={{ marginBottom: 12 }}>
      <Col xs={12} md={6}>
        <Statistic title="本地打款单" valueRender={() => <span data-testid="reconciliation-ours">{answer.ours} 单</span>} />
        <div data-testid="reconciliation-ours-total">{formatFen(answer.ours_total_fen)}</div>
        <Text type="secondary" data-testid="reconciliation-ours-paid">
          其中已付 {answer.ours_paid} 单 {formatFen(answer.ours_paid_fen)}
        </Text>
      </Col>
      <Col xs={12} md={6}>
        <Statistic title="资金账单支出" valueRender={() => <span data-testid="reconciliation-theirs">{answer.theirs} 单</span>} />
        <div data-testid="reconciliation-theirs-total">{formatFen(answer.theirs_total_fen)}</div>
      </Col>
      <Col xs={12} md={6}>
        <Statistic title="一致" valueRender={() => <span data-testid="reconciliation-matched">{answer.matched} 单</span>} />
        <Text type={gapFen ? 'danger' : 'secondary'} data-testid="reconciliation-gap">
          差额 {formatFen(gapFen)}
        </Text>
      </Col>
      <Col xs={12} md={6}>
        <Statistic
          title="差异"
          valueRender={() => (
            <Text type={clean ? 'success' : 'danger'} data-testid="reconciliation-difference-count">
              {differences} 处
            </Text>
          )}
        />
      </Col>
    </Row>
  )
}

/** The bill the day was reconciled with, and how the rest was checked. */
function Bill({ answer }: { answer: Answer }) {
  return (
    <Typography.Paragraph type="secondary" data-testid="reconciliation-bill" data-kind={answer.bill.kind}>
      <span data-testid="reconciliation-bill-summary">{billText(answer.bill)}</span>
      {answer.bill.sha1 && <Text code> {answer.bill.sha1.slice(0, 12)}…</Text>}
      <span>；</span>
      <span data-testid="reconciliation-queries">{queriesText(answer)}</span>
    </Typography.Paragraph>
  )
}

function Differences({ answer }: { answer: Answer }) {
  if (reconciliationSummary(answer).clean) {
    return (
      <div data-testid="reconciliation-clean">
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          description={
            <>
              <Text type="success" strong>
                无差异
              </Text>{' '}
              <Text type="secondary">
                {answer.day} 本地 {answer.ours} 单与微信支付的记录全部一致
              </Text>
            </>
          }
        />
      </div>
    )
  }
  return (
    <Table<Difference>
      size="small"
      data-testid="reconciliation-differences"
      rowKey={(d) => `${d.out_bill_no}-${d.kind}`}
      dataSource={answer.differences}
      pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
      onRow={(d) => ({ 'data-testid': 'reconciliation-difference', 'data-kind': d.kind }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        { title: '商户单号', dataIndex: 'out_bill_no', key: 'no', sorter: (a, b) => a.out_bill_no.localeCompare(b.out_bill_no) },
        {
          title: '差异',
          key: 'kind',
          filters: [...new Set(answer.differences.map((d) => d.kind))].map((k) => ({ text: differenceKind(k).label, value: k })),
          onFilter: (value, d) => d.kind === value,
          render: (_, d) => {
            const look = differenceKind(d.kind)
            return (
              <Tag color={toneColor(look.tone)} data-testid="reconciliation-kind">
                {look.label}
              </Tag>
            )
          },
        },
        {
          title: '本地',
          key: 'ours',
          className: 'nowrap',
          render: (_, d) => <span data-testid="reconciliation-ours-side">{sideText(d.ours, 'ours')}</span>,
        },
        {
          title: '微信',
          key: 'theirs',
          className: 'nowrap',
          render: (_, d) => <span data-testid="reconciliation-theirs-side">{sideText(d.theirs, 'theirs')}</span>,
        },
        { title: '说明', key: 'note', render: (_, d) => d.note || '—' },
      ]}
    />
  )
}
