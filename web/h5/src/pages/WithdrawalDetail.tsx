import { Button, List } from 'antd-mobile'
import { useCallback, useEffect, useState } from 'react'
import { Link } from 'react-router-dom'
import { type Withdrawal, getWithdrawal } from '../api'
import { formatDateTime, formatFen } from '../lib/format'
import { useLoad, usePoll } from '../hooks'
import { REFUNDED_NOTE, failureText, isOpen, isRefunded, timeline } from '../lib/withdrawals'
import { TitleBar, WithdrawalStateTag } from '../ui'
import CorrectionNotice from './CorrectionNotice'
import { ById } from './NotFound'
import { type TransferOutcome, inWechat, requestMerchantTransfer, transferSupported } from '../wechat'
import { LoadError, Loading } from './states'

/** How often an open withdrawal is asked again. */
const POLL_MS = 3000

/** /withdrawals/:id */
export default function WithdrawalDetailRoute() {
  return <ById page={WithdrawalDetailPage} />
}

function WithdrawalDetailPage({ id }: { id: number }) {
  const load = useCallback(() => getWithdrawal(id), [id])
  const { state, reload, set } = useLoad(load)
  const open = state !== null && 'data' in state && isOpen(state.data.state)
  // Until it ends, the state moves on by itself (WeChat, the owner's confirmation).
  usePoll(load, set, POLL_MS, open)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const w = state.data

  return (
    <div className="page withdrawal-detail">
      <TitleBar title="提现详情" />
      <section className="card withdrawal-summary" data-testid="withdrawal-detail" data-id={w.id} data-state={w.state}>
        <div className="balance-label">提现金额</div>
        <div className="balance-value" data-testid="withdrawal-amount" data-fen={w.amount_fen}>
          {formatFen(w.amount_fen)}
        </div>
        <WithdrawalStateTag state={w.state} />
        {open && (
          <p className="muted withdrawal-polling" data-testid="withdrawal-polling">
            状态自动刷新中…
          </p>
        )}
      </section>

      {isRefunded(w.state) && (
        <section className="card failure-card" role="alert" data-testid="withdrawal-failure">
          <p className="failure-reason" data-testid="withdrawal-failure-reason">
            {failureText(w)}
          </p>
          <p className="failure-note" data-testid="withdrawal-refunded">
            {REFUNDED_NOTE}
          </p>
          <CorrectionNotice withdrawalId={w.id} />
          <Link className="link" to="/wallet">
            查看钱包
          </Link>
        </section>
      )}

      {w.state === 'waiting_user' && <ConfirmReceipt withdrawal={w} />}

      <section className="card" data-testid="withdrawal-timeline">
        <h2 className="card-title">进度</h2>
        <ol className="timeline">
          {timeline(w).map((step) => (
            <li
              key={step.key}
              className={`timeline-step timeline-${step.status}`}
              data-testid="timeline-step"
              data-step={step.key}
              data-status={step.status}
            >
              <span className="timeline-dot" aria-hidden="true" />
              <span className="timeline-label">{step.label}</span>
              {step.at && <span className="timeline-time">{formatDateTime(step.at)}</span>}
            </li>
          ))}
        </ol>
      </section>

      <List className="card info-list" data-testid="withdrawal-info">
        <List.Item extra="微信零钱">到账方式</List.Item>
        <List.Item extra={<span data-testid="withdrawal-created">{formatDateTime(w.created_at)}</span>}>申请时间</List.Item>
        {w.finished_at && (
          <List.Item extra={<span data-testid="withdrawal-finished">{formatDateTime(w.finished_at)}</span>}>完成时间</List.Item>
        )}
        <List.Item
          extra={
            <span className="mono row-text bill-no" data-testid="withdrawal-bill">
              {w.out_bill_no}
            </span>
          }
        >
          单号
        </List.Item>
      </List>

      <Link className="btn btn-outline btn-block" to="/withdrawals" data-testid="withdrawals-link">
        全部提现记录
      </Link>
    </div>
  )
}

/**
 * What the confirmation can do here: not known yet, open WeChat's page; or nothing: outside
 * WeChat, a WeChat too old for it, the JS-SDK not configured (WeChat unavailable).
 */
type Confirmable = 'checking' | 'ready' | 'outside' | 'old' | 'unavailable'

/**
 * WeChat pays only once the owner accepts the transfer: the button opens WeChat's confirmation
 * page (the JS-SDK's requestMerchantTransfer); the state then follows by itself.
 */
function ConfirmReceipt({ withdrawal: w }: { withdrawal: Withdrawal }) {
  const [confirmable, setConfirmable] = useState<Confirmable>('checking')
  const [outcome, setOutcome] = useState<TransferOutcome | 'asking' | null>(null)

  useEffect(() => {
    let live = true
    const wechat = inWechat(navigator.userAgent)
    transferSupported().then(
      (supported) => live && setConfirmable(supported ? 'ready' : wechat ? 'old' : 'outside'),
      () => live && setConfirmable(wechat ? 'unavailable' : 'outside'),
    )
    return () => {
      live = false
    }
  }, [])

  const confirm = async () => {
    if (!w.mch_id || !w.app_id || !w.package_info) return
    setOutcome('asking')
    setOutcome(await requestMerchantTransfer(w.mch_id, w.app_id, w.package_info))
  }

  return (
    <section className="card confirm-card" data-testid="withdrawal-confirm" data-confirmable={confirmable}>
      <p className="confirm-title" data-testid="withdrawal-confirm-hint">
        请在微信中确认收款
      </p>
      <p className="muted">微信已受理转账，确认收款后即到账微信零钱；24 小时内未确认，金额将退回可提现余额。</p>
      {confirmable === 'ready' && (
        <Button
          block
          color="primary"
          data-testid="confirm-receipt"
          disabled={!w.package_info}
          loading={outcome === 'asking'}
          loadingText="正在打开微信确认页…"
          onClick={confirm}
        >
          确认收款
        </Button>
      )}
      {confirmable === 'checking' && (
        <p className="muted" data-testid="confirm-checking">
          正在连接微信…
        </p>
      )}
      {confirmable === 'outside' && (
        <p className="notice notice-warn" data-testid="confirm-outside-wechat">
          请在微信中打开本页面，点击“确认收款”完成收款
        </p>
      )}
      {confirmable === 'unavailable' && (
        <p className="notice notice-warn" data-testid="confirm-unavailable">
          暂时无法连接微信，请稍后刷新页面重试
        </p>
      )}
      {confirmable === 'old' && (
        <p className="notice notice-warn" data-testid="confirm-old-wechat">
          你的微信版本过低，请更新至最新版本后确认收款
        </p>
      )}
      {outcome === 'ok' && (
        <p className="notice" data-testid="confirm-done">
          已确认收款，正在等待微信到账…
        </p>
      )}
      {outcome === 'cancel' && (
        <p className="notice notice-warn" data-testid="confirm-cancelled">
          你取消了收款
        </p>
      )}
      {outcome === 'fail' && (
        <p className="notice notice-warn" role="alert" data-testid="confirm-failed">
          未能打开微信确认页，请稍后再试
        </p>
      )}
    </section>
  )
}
