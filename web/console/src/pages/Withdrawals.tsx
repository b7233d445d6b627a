// 提现管理 (finance and admin): withdrawals filtered by state, day and user, exported as CSV with
// the same filters; a failed payout retried under a new order number, a pending or failed one
// rejected with a reason (the hold released). A payout WeChat Pay refused because the real name
// did not match says whether the owner has corrected the name since.
import { useMemo, useState } from 'react'
import { Link, useSearchParams } from 'react-router-dom'
import { App as AntApp, Alert, Button, Card, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd'
import type { FilterValue } from 'antd/es/table/interface'
import { canFinance, exportWithdrawals, listWithdrawals, rejectWithdrawal, retryWithdrawal, type Withdrawal } from '../api'
import { useAuth } from '../auth'
import { ReasonDialog } from '../components/ReasonDialog'
import { saveBlob } from '../components/download'
import { tablePaging, useAntAction, useEditing, useFilterForm, usePagedList } from '../components/hooks'
import { Forbidden, LoadState } from '../components/LoadState'
import { dayToPicker, pickerToDay } from '../lib/beijing'
import { formatDateTime } from '../lib/dates'
import { formatFen } from '../lib/money'
import { toneColor } from '../lib/tone'
import { isNameMismatch, nameCorrectedAt } from '../lib/users'
import {
  MAX_EXPORT_ROWS,
  MAX_REJECT_REASON,
  WITHDRAWAL_STATES,
  canReject,
  canRetry,
  csvFilename,
  exportProblem,
  parseWithdrawalFilters,
  queryFilters,
  validateRejectReason,
  withdrawalState,
  withdrawalStateFilter,
  type WithdrawalFilterForm,
} from '../lib/withdrawals'

const FILTER_DEFAULTS: WithdrawalFilterForm = { state: '', day: '', user_id: '' }

/** Who asked, as the dialogs name them. */
const asker = (w: Withdrawal) => w.nickname || `用户 ${w.user_id}`

export default function Withdrawals() {
  const { operator } = useAuth()
  // Finance pages: another role gets 无权限 at once, never the controls first.
  if (operator && !canFinance(operator.role)) return <Forbidden />
  return <WithdrawalsPage writable />
}

function WithdrawalsPage({ writable }: { writable: boolean }) {
  const [params] = useSearchParams()
  const marked = params.get('id') ?? ''
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) => listWithdrawals({ ...queryFilters(f), ...paging }))
  const { filters, filter, reload, data, error, loading, pager } = list
  const filtered = Object.values(filters).some(Boolean)
  const retrying = useAntAction<Withdrawal['id']>()
  const rejecting = useEditing<Withdrawal>(reload)
  const rejected = rejecting.open?.item
  const stateFilter = withdrawalStateFilter(filters.state)

  const onRetry = (w: Withdrawal) =>
    retrying.run(w.id, {
      confirm: {
        title: '重试打款',
        content: `重新向「${asker(w)}」打款 ${formatFen(w.amount_fen)}？将再次冻结该金额，并以新的商户单号（第 ${w.attempt + 1} 次）发起转账。`,
        okText: '重试打款',
      },
      act: () => retryWithdrawal(w.id),
      done: '已重新发起打款',
      then: reload,
    })

  /** A payout refused for the real name: whether the owner corrected it since. */
  const nameFix = (w: Withdrawal) => {
    if (!isNameMismatch(w)) return null
    const fixedAt = nameCorrectedAt(w)
    return (
      <div data-testid="withdrawal-name-fix" data-fixed={fixedAt ? 'true' : 'false'}>
        <Typography.Text type={fixedAt ? 'success' : 'warning'}>
          {fixedAt
            ? `用户已于 ${formatDateTime(fixedAt)} 更正姓名，可重试打款`
            : '用户尚未更正姓名：可提醒用户在 H5 按提示更正后再重试'}
        </Typography.Text>
      </div>
    )
  }

  return (
    <>
      <div className="page-head">
        <div>
          <Typography.Title level={3}>提现管理</Typography.Title>
          <Typography.Text type="secondary">
            用户的提现申请与微信转账结果；打款失败的可重试，待打款或失败的可驳回并退回余额
          </Typography.Text>
        </div>
        <ExportButton filters={filters} />
      </div>
      <Card>
        <WithdrawalFilters filters={filters} onApply={filter} />
        {!data ? (
          <LoadState error={error} onRetry={reload} />
        ) : (
          <div data-testid="withdrawals-list" className={loading ? 'is-reloading' : undefined}>
            <Table<Withdrawal>
              data-testid="withdrawals-table"
              rowKey={(w) => String(w.id)}
              loading={loading}
              dataSource={data.items}
              pagination={tablePaging(pager)}
              scroll={{ x: 'max-content' }}
              locale={{
                emptyText: <span data-testid="withdrawals-empty">{filtered ? '没有符合条件的提现' : '暂无提现'}</span>,
              }}
              rowClassName={(w) => (marked && String(w.id) === marked ? 'ant-table-row-selected' : '')}
              onChange={(_, tableFilters: Record<string, FilterValue | null>) => {
                const picked = String(tableFilters.state?.[0] ?? '')
                if (picked !== stateFilter) filter({ ...filters, state: picked })
              }}
              onRow={(w) =>
                ({
                  'data-testid': 'withdrawal-row',
                  'data-id': w.id,
                  'data-state': w.state,
                  'data-marked': marked && String(w.id) === marked ? 'true' : undefined,
                }) as React.HTMLAttributes<HTMLElement>
              }
              columns={[
                { title: 'ID', key: 'id', render: (_, w) => String(w.id) },
                {
                  title: '用户',
                  key: 'user',
                  render: (_, w) => (
                    <Link to={`/users/${w.user_id}`} data-testid="withdrawal-user">
                      {w.nickname || '（无昵称）'}
                      <Typography.Text type="secondary"> #{String(w.user_id)}</Typography.Text>
                    </Link>
                  ),
                },
                {
                  title: '金额',
                  key: 'amount',
                  align: 'right',
                  sorter: (a, b) => a.amount_fen - b.amount_fen,
                  render: (_, w) => (
                    <span className="nowrap" data-testid="withdrawal-amount">
                      {formatFen(w.amount_fen)}
                    </span>
                  ),
                },
                {
                  title: '状态',
                  key: 'state',
                  filters: WITHDRAWAL_STATES.map((s) => ({ text: s.label, value: s.value })),
                  filterMultiple: false,
                  filteredValue: stateFilter ? [stateFilter] : null,
                  render: (_, w) => {
                    const look = withdrawalState(w.state)
                    return (
                      <Tag color={toneColor(look.tone)} data-testid="withdrawal-state">
                        {look.label}
                      </Tag>
                    )
                  },
                },
                {
                  title: '商户单号',
                  key: 'bill',
                  render: (_, w) => <span data-testid="withdrawal-out-bill-no">{w.out_bill_no}</span>,
                },
                {
                  title: '次数',
                  key: 'attempt',
                  align: 'right',
                  render: (_, w) => <span data-testid="withdrawal-attempt">{w.attempt}</span>,
                },
                {
                  title: '申请时间',
                  key: 'created',
                  className: 'nowrap',
                  sorter: (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at),
                  render: (_, w) => formatDateTime(w.created_at),
                },
                {
                  title: '失败原因',
                  key: 'failure',
                  width: 280,
                  render: (_, w) => (
                    <>
                      <span data-testid="withdrawal-failure">{w.failure_reason ?? '—'}</span>
                      {nameFix(w)}
                    </>
                  ),
                },
                ...(writable
                  ? [
                      {
                        title: '操作',
                        key: 'actions',
                        render: (_: unknown, w: Withdrawal) => {
                          const busy = retrying.busyId === w.id
                          return (
                            <Space size={0}>
                              {canRetry(w) && (
                                <Button
                                  type="link"
                                  size="small"
                                  data-testid="withdrawal-retry"
                                  disabled={busy}
                                  onClick={() => onRetry(w)}
                                >
                                  重试
                                </Button>
                              )}
                              {canReject(w) && (
                                <Button
                                  type="link"
                                  size="small"
                                  danger
                                  data-testid="withdrawal-reject"
                                  disabled={busy}
                                  onClick={() => rejecting.edit(w)}
                                >
                                  驳回
                                </Button>
                              )}
                            </Space>
                          )
                        },
                      },
                    ]
                  : []),
              ]}
            />
          </div>
        )}
      </Card>
      {rejected && (
        <ReasonDialog
          title={`驳回提现 #${rejected.id}`}
          testId="withdrawal-reject-dialog"
          note={
            <>
              驳回「{asker(rejected)}」的 {formatFen(rejected.amount_fen)}{' '}
              提现，冻结的金额退回其余额。用户会看到“运营驳回：原因”。此操作不可撤销。
            </>
          }
          reason={{
            label: '驳回原因',
            max: MAX_REJECT_REASON,
            placeholder: '例如：账户存在异常，请联系客服',
            testId: 'withdrawal-reject-reason',
            validate: validateRejectReason,
          }}
          send={(reason) => rejectWithdrawal(rejected.id, reason)}
          done="已驳回"
          failed="驳回失败"
          confirm={{ text: '确认驳回', testId: 'withdrawal-reject-confirm' }}
          onClose={rejecting.dialog.onClose}
          onDone={rejecting.dialog.onSaved}
        />
      )}
    </>
  )
}

/** Downloads every withdrawal the filters select as the server's CSV. */
function ExportButton({ filters }: { filters: WithdrawalFilterForm }) {
  const { message } = AntApp.useApp()
  const [busy, setBusy] = useState(false)
  const onExport = async () => {
    const query = queryFilters(filters)
    const problem = exportProblem(query)
    if (problem) {
      message.warning(problem)
      return
    }
    setBusy(true)
    try {
      saveBlob(await exportWithdrawals(query), csvFilename(query))
      message.success('已导出')
    } catch (e) {
      message.error((e as Error).message || '导出失败，请稍后重试')
    } finally {
      setBusy(false)
    }
  }
  return (
    <Button
      data-testid="withdrawals-export"
      loading={busy}
      title={`导出所选申请日期的提现，每次一天，最多 ${MAX_EXPORT_ROWS} 条`}
      onClick={onExport}
    >
      导出 CSV
    </Button>
  )
}

const STATE_OPTIONS = [{ value: '', label: '全部状态' }, ...WITHDRAWAL_STATES.map((s) => ({ value: s.value, label: s.label }))]

function WithdrawalFilters({
  filters,
  onApply,
}: {
  filters: WithdrawalFilterForm
  onApply: (filters: WithdrawalFilterForm) => void
}) {
  // Follows the address bar (back / forward, a link from elsewhere).
  const form = useFilterForm(filters, FILTER_DEFAULTS, parseWithdrawalFilters, onApply)
  const { draft, setDraft } = form
  const day = useMemo(() => dayToPicker(draft.day), [draft.day])
  return (
    <div data-testid="withdrawals-filters" style={{ marginBottom: 16 }}>
      <Space wrap>
        <Space>
          <span>状态</span>
          <Select
            aria-label="状态"
            data-testid="withdrawals-state"
            style={{ width: 140 }}
            value={withdrawalStateFilter(draft.state)}
            options={STATE_OPTIONS}
            onChange={(state) => form.pick({ state })}
          />
        </Space>
        <Space>
          <span>申请日期</span>
          <DatePicker
            aria-label="申请日期"
            data-testid="withdrawals-day"
            value={day}
            onChange={(value) => setDraft({ day: pickerToDay(value) })}
          />
        </Space>
        <Space>
          <span>用户 ID</span>
          <Input
            aria-label="用户 ID"
            data-testid="withdrawals-user-id"
            style={{ width: 140 }}
            inputMode="numeric"
            value={draft.user_id}
            onChange={(e) => setDraft({ user_id: e.target.value })}
            onPressEnter={() => form.apply(draft)}
          />
        </Space>
        <Button type="primary" data-testid="withdrawals-filter-submit" onClick={() => form.apply(draft)}>
          查询
        </Button>
        {form.clear && <Button onClick={form.clear}>清除筛选</Button>}
      </Space>
      {form.problem && (
        <Alert style={{ marginTop: 8 }} type="error" showIcon title={form.problem} data-testid="withdrawals-filter-error" />
      )}
    </div>
  )
}
