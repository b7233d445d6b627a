// 提现管理 (finance and admin): withdrawals filtered by state, day and user, exported as CSV with
// the same filters; a failed payout retried under a new order number, a pending or failed one
// rejected with a reason (the hold released).
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router-dom'
import { charCount } from '@gpet/common/content'
import { canFinance, exportWithdrawals, listWithdrawals, rejectWithdrawal, retryWithdrawal, type Withdrawal } from '../api'
import { useAuth } from '../auth'
import { saveBlob } from '../components/download'
import { useConfirmedAction, useDraft, useEditing, usePagedList, useSubmit } from '../components/hooks'
import { useToast } from '../components/toast'
import { Field, FormFooter, ListFrame, Modal, PageHead, Tag } from '../components/ui'
import { formatDateTime } from '../lib/dates'
import { formatFen } from '../lib/money'
import {
  MAX_REJECT_REASON,
  WITHDRAWAL_STATES,
  canReject,
  canRetry,
  csvFilename,
  parseWithdrawalFilters,
  queryFilters,
  validateRejectReason,
  withdrawalState,
  withdrawalStateFilter,
  type WithdrawalFilterForm,
} from '../lib/withdrawals'

const FILTER_DEFAULTS: WithdrawalFilterForm = { state: '', day: '', user_id: '' }

export default function Withdrawals() {
  const { operator } = useAuth()
  const writable = canFinance(operator?.role)
  const list = usePagedList(FILTER_DEFAULTS, (f, paging) => listWithdrawals({ ...queryFilters(f), ...paging }))
  const { filters, filter, reload } = list
  const filtered = Object.values(filters).some(Boolean)
  const retrying = useConfirmedAction<Withdrawal['id']>()
  const rejecting = useEditing<Withdrawal>(reload)

  const onRetry = (w: Withdrawal) =>
    retrying.run(w.id, {
      confirm: {
        title: '重试打款',
        message: `重新向「${w.nickname || `用户 ${w.user_id}`}」打款 ${formatFen(w.amount_fen)}？将再次冻结该金额，并以新的商户单号（第 ${w.attempt + 1} 次）发起转账。`,
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
            <table className="table" data-testid="withdrawals-table">
              <thead>
                <tr>
                  <th>ID</th>
                  <th>用户</th>
                  <th className="num">金额</th>
                  <th>状态</th>
                  <th>商户单号</th>
                  <th className="num">次数</th>
                  <th>申请时间</th>
                  <th>失败原因</th>
                  {writable && <th className="actions">操作</th>}
                </tr>
              </thead>
              <tbody>
                {data.items.map((w) => {
                  const state = withdrawalState(w.state)
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
                        <Tag tone={state.tone} testId="withdrawal-state">
                          {state.label}
                        </Tag>
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
                            <button
                              className="btn btn-link"
                              data-testid="withdrawal-retry"
                              disabled={busy}
                              onClick={() => onRetry(w)}
                            >
                              重试
                            </button>
                          )}
                          {canReject(w) && (
                            <button
                              className="btn btn-link danger"
                              data-testid="withdrawal-reject"
                              disabled={busy}
                              onClick={() => rejecting.edit(w)}
                            >
                              驳回
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  )
                })}
              </tbody>
            </table>
          )}
        </ListFrame>
      </section>
      {retrying.dialog}
      {rejecting.open?.item && <RejectDialog withdrawal={rejecting.open.item} {...rejecting.dialog} />}
    </>
  )
}

/** Downloads every withdrawal the filters select as the server's CSV. */
function ExportButton({ filters }: { filters: WithdrawalFilterForm }) {
  const toast = useToast()
  const [busy, setBusy] = useState(false)
  const onExport = async () => {
    const query = queryFilters(filters)
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
    <button className="btn btn-default" data-testid="withdrawals-export" disabled={busy} onClick={onExport}>
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
  const [draft, setDraft] = useDraft(filters)
  const [problem, setProblem] = useState('')

  const apply = (next: WithdrawalFilterForm) => {
    const parsed = parseWithdrawalFilters(next)
    setProblem('error' in parsed ? parsed.error : '')
    if ('filters' in parsed) onApply(parsed.filters)
  }
  const onSubmit = (e: FormEvent) => {
    e.preventDefault()
    apply(draft)
  }

  return (
    <>
      <form className="toolbar" onSubmit={onSubmit} role="search" data-testid="withdrawals-filters">
        <label className="inline-field">
          <span>状态</span>
          <select
            value={withdrawalStateFilter(draft.state)}
            data-testid="withdrawals-state"
            onChange={(e) => {
              setDraft({ state: e.target.value })
              apply({ ...draft, state: e.target.value })
            }}
          >
            <option value="">全部</option>
            {WITHDRAWAL_STATES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          <span>申请日期</span>
          <input
            type="date"
            value={draft.day}
            data-testid="withdrawals-day"
            onChange={(e) => setDraft({ day: e.target.value })}
          />
        </label>
        <label className="inline-field">
          <span>用户 ID</span>
          <input
            className="id-input"
            inputMode="numeric"
            value={draft.user_id}
            data-testid="withdrawals-user-id"
            onChange={(e) => setDraft({ user_id: e.target.value })}
          />
        </label>
        <button className="btn btn-default" type="submit" data-testid="withdrawals-filter-submit">
          筛选
        </button>
        {Object.values(filters).some(Boolean) && (
          <button
            className="btn btn-ghost"
            type="button"
            onClick={() => {
              setProblem('')
              onApply(FILTER_DEFAULTS)
            }}
          >
            清除
          </button>
        )}
      </form>
      {problem && (
        <div className="alert" role="alert" data-testid="withdrawals-filter-error">
          {problem}
        </div>
      )}
    </>
  )
}

function RejectDialog({
  withdrawal,
  onClose,
  onSaved,
}: {
  withdrawal: Withdrawal
  onClose: () => void
  onSaved: () => void
}) {
  const [reason, setReason] = useState('')
  const { problem, setProblem, busy, submit } = useSubmit()

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault()
    const invalid = validateRejectReason(reason)
    setProblem(invalid)
    if (invalid) return
    await submit(() => rejectWithdrawal(withdrawal.id, reason.trim()), {
      done: '已驳回',
      failed: '驳回失败',
      then: onSaved,
    })
  }

  return (
    <Modal title={`驳回提现 #${withdrawal.id}`} onClose={onClose} testId="withdrawal-reject-dialog">
      <form onSubmit={onSubmit} noValidate>
        <p className="muted small dialog-note">
          驳回「{withdrawal.nickname || `用户 ${withdrawal.user_id}`}」的 {formatFen(withdrawal.amount_fen)}{' '}
          提现，冻结的金额退回其余额。用户会看到“运营驳回：原因”。此操作不可撤销。
        </p>
        <Field label="驳回原因" hint={`${charCount(reason.trim())} / ${MAX_REJECT_REASON}`}>
          <textarea
            rows={3}
            value={reason}
            autoFocus
            placeholder="例如：账户存在异常，请联系客服"
            data-testid="withdrawal-reject-reason"
            onChange={(e) => setReason(e.target.value)}
          />
        </Field>
        <FormFooter
          problem={problem}
          busy={busy}
          onCancel={onClose}
          submitText="确认驳回"
          busyText="提交中…"
          danger
          testId="withdrawal-reject-confirm"
        />
      </form>
    </Modal>
  )
}
