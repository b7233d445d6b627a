// 提现管理 (finance and admin): withdrawals filtered by state, day and user, exported as CSV with
// the same filters; a failed payout retried under a new order number, a pending or failed one
// rejected with a reason (the hold released).
import { useState } from 'react'
import { Link } from 'react-router-dom'
import { canFinance, exportWithdrawals, listWithdrawals, rejectWithdrawal, retryWithdrawal, type Withdrawal } from '../api'
import { useAuth } from '../auth'
import { ReasonDialog } from '../components/ReasonDialog'
import { saveBlob } from '../components/download'
import { useConfirmedAction, useEditing, useFilterForm, usePagedList } from '../components/hooks'
import { useToast } from '../components/toast'
import {
  ACTIONS,
  FilterBar,
  IdInput,
  InlineField,
  ListFrame,
  PageHead,
  RowAction,
  StateFilter,
  StateTag,
  Table,
  numeric,
} from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { formatFen } from '../lib/money'
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
  type WithdrawalFilterForm,
} from '../lib/withdrawals'

const FILTER_DEFAULTS: WithdrawalFilterForm = { state: '', day: '', user_id: '' }

/** Who asked, as the dialogs name them. */
const asker = (w: Withdrawal) => w.nickname || `用户 ${w.user_id}`

export default function Withdrawals() {
  const { operator } = useAuth()
  const writable = canFinance(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) => listWithdrawals({ ...queryFilters(f), ...paging }))
  const { filters, filter, reload } = list
  const filtered = Object.values(filters).some(Boolean)
  const retrying = useConfirmedAction<Withdrawal['id']>()
  const rejecting = useEditing<Withdrawal>(reload)
  const rejected = rejecting.open?.item

  const onRetry = (w: Withdrawal) =>
    retrying.run(w.id, {
      confirm: {
        title: '重试打款',
        message: `重新向「${asker(w)}」打款 ${formatFen(w.amount_fen)}？将再次冻结该金额，并以新的商户单号（第 ${w.attempt + 1} 次）发起转账。`,
        okText: '重试打款',
      },
      act: () => retryWithdrawal(w.id),
      done: '已重新发起打款',
      then: reload,
    })

  return (
    <>
      <PageHead
        title="提现管理"
        hint="用户的提现申请与微信转账结果；打款失败的可重试，待打款或失败的可驳回并退回余额"
        actions={<ExportButton filters={filters} />}
      />
      <section className="card">
        <WithdrawalFilters filters={filters} onApply={filter} />
        <ListFrame
          list={list}
          testId="withdrawals-list"
          empty={{ text: filtered ? '没有符合条件的提现' : '暂无提现', testId: 'withdrawals-empty' }}
        >
          {(data) => (
            <Table
              testId="withdrawals-table"
              columns={['ID', '用户', numeric('金额'), '状态', '商户单号', numeric('次数'), '申请时间', '失败原因', writable && ACTIONS]}
              items={data.items}
              row={(w) => {
                const busy = retrying.busyId === w.id
                return (
                  <tr key={w.id} data-testid="withdrawal-row" data-id={w.id} data-state={w.state}>
                    <td className="mono">{w.id}</td>
                    <td>
                      <Link to={`/users/${w.user_id}`} data-testid="withdrawal-user">
                        {w.nickname || '（无昵称）'}
                        <span className="muted mono"> #{w.user_id}</span>
                      </Link>
                    </td>
                    <td className="num nowrap" data-testid="withdrawal-amount">
                      {formatFen(w.amount_fen)}
                    </td>
                    <td>
                      <StateTag look={withdrawalState(w.state)} testId="withdrawal-state" />
                    </td>
                    <td className="mono" data-testid="withdrawal-out-bill-no">
                      {w.out_bill_no}
                    </td>
                    <td className="num" data-testid="withdrawal-attempt">
                      {w.attempt}
                    </td>
                    <td className="nowrap">{formatDateTime(w.created_at)}</td>
                    <td className="wrap" data-testid="withdrawal-failure">
                      {w.failure_reason ?? <span className="muted">—</span>}
                    </td>
                    {writable && (
                      <td className="actions">
                        {canRetry(w) && (
                          <RowAction testId="withdrawal-retry" disabled={busy} onClick={() => onRetry(w)}>重试</RowAction>
                        )}
                        {canReject(w) && (
                          <RowAction
                            testId="withdrawal-reject"
                            danger
                            disabled={busy}
                            onClick={() => rejecting.edit(w)}
                          >
                            驳回
                          </RowAction>
                        )}
                      </td>
                    )}
                  </tr>
                )
              }}
            />
          )}
        </ListFrame>
      </section>
      {retrying.dialog}
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
  const toast = useToast()
  const [busy, setBusy] = useState(false)
  const onExport = async () => {
    const query = queryFilters(filters)
    const problem = exportProblem(query)
    if (problem) {
      toast.error(problem)
      return
    }
    setBusy(true)
    try {
      saveBlob(await exportWithdrawals(query), csvFilename(query))
      toast.success('已导出')
    } catch (e) {
      toast.error((e as Error).message || '导出失败')
    } finally {
      setBusy(false)
    }
  }
  return (
    <button
      className="btn btn-default"
      data-testid="withdrawals-export"
      disabled={busy}
      title={`导出所选申请日期的提现，每次一天，最多 ${MAX_EXPORT_ROWS} 条`}
      onClick={onExport}
    >
      {busy ? '导出中…' : '导出 CSV'}
    </button>
  )
}

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
  return (
    <FilterBar
      testId="withdrawals-filters"
      onSubmit={() => form.apply(draft)}
      submitTestId="withdrawals-filter-submit"
      onClear={form.clear}
      problem={form.problem}
      problemTestId="withdrawals-filter-error"
    >
      <StateFilter form={form} states={WITHDRAWAL_STATES} testId="withdrawals-state" />
      <InlineField label="申请日期">
        <input
          type="date"
          value={draft.day}
          data-testid="withdrawals-day"
          onChange={(e) => setDraft({ day: e.target.value })}
        />
      </InlineField>
      <InlineField label="用户 ID">
        <IdInput value={draft.user_id} testId="withdrawals-user-id" onChange={(user_id) => setDraft({ user_id })} />
      </InlineField>
    </FilterBar>
  )
}
