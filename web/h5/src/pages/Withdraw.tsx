import { useState } from 'react'
import { Button, Dialog, Form, Input } from 'antd-mobile'
import { Link, useNavigate } from 'react-router-dom'
import './forms.css'
import { type Account, ApiError, INSUFFICIENT_BALANCE, createWithdrawal, getAccount, sessionGone } from '../api'
import { formatFen } from '../lib/format'
import { useLoad } from '../hooks'
import { AlertIcon } from '../icons'
import {
  type Fix,
  type WithdrawBlock,
  allAvailableFen,
  amountError,
  limitsText,
  parseYuan,
  withdrawBlock,
  withdrawErrorMessage,
  yuanText,
} from '../lib/money'
import { track } from '../track'
import { TitleBar } from '../ui'
import CorrectionNotice from './CorrectionNotice'
import { LoadError, Loading } from './states'

/** A data-testid for an antd-mobile action (which passes data-* attributes on to its button). */
const testId = (id: string) => ({ 'data-testid': id }) as object

/** /withdraw: an amount in yuan, confirmed, withdrawn to the owner's WeChat wallet (微信零钱). */
export default function Withdraw() {
  const { state, reload, set } = useLoad(getAccount)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const account = state.data
  const block = withdrawBlock(account.withdraw)

  return (
    <div className="page withdraw-page">
      <TitleBar title="提现" />
      <CorrectionNotice replace />
      {block ? <Blocked block={block} /> : <WithdrawForm account={account} onAccount={set} />}
    </div>
  )
}

function Blocked({ block }: { block: WithdrawBlock }) {
  return (
    <section className="card blocked-card" data-testid="withdraw-blocked" data-reason={block.reason}>
      <div className="state-icon">
        <AlertIcon size={36} />
      </div>
      <p className="blocked-msg" data-testid="withdraw-blocked-msg">
        {block.text}
      </p>
      {/* The flow goes on from here (实名, then back to withdraw): back from its end skips this page. */}
      <Link className="btn btn-primary" to={block.fix.to} replace data-testid="withdraw-blocked-link">
        {block.fix.label}
      </Link>
    </section>
  )
}

function WithdrawForm({ account, onAccount }: { account: Account; onAccount: (account: Account) => void }) {
  const navigate = useNavigate()
  const rules = account.withdraw
  const available = account.available_fen
  const [amount, setAmount] = useState('')
  const [error, setError] = useState<{ text: string; fix: Fix | null } | null>(null)
  const [confirming, setConfirming] = useState<number | null>(null)
  const [submitting, setSubmitting] = useState(false)

  const onSubmit = () => {
    const parsed = parseYuan(amount)
    if ('error' in parsed) {
      setError({ text: parsed.error, fix: null })
      return
    }
    const invalid = amountError(parsed.fen, rules, available)
    if (invalid) {
      setError({ text: invalid, fix: null })
      return
    }
    setError(null)
    track('click', { button: 'withdraw', amount_fen: parsed.fen })
    setConfirming(parsed.fen)
  }

  const onConfirm = async () => {
    if (confirming === null) return
    setSubmitting(true)
    try {
      const withdrawal = await createWithdrawal(confirming)
      track('withdrawal_requested', { amount_fen: withdrawal.amount_fen })
      navigate(`/withdrawals/${withdrawal.id}`, { replace: true })
    } catch (e) {
      setSubmitting(false)
      if (sessionGone(e)) return
      setConfirming(null)
      setError(
        e instanceof ApiError ? withdrawErrorMessage(e.code, e.message) : { text: '提现失败，请稍后再试', fix: null },
      )
      // The balance shown was out of date: show the one the server has now.
      if (e instanceof ApiError && e.code === INSUFFICIENT_BALANCE) getAccount().then(onAccount, () => undefined)
    }
  }

  return (
    <>
      <Form className="card withdraw-form" layout="vertical" onFinish={onSubmit}>
        <div className="row">
          <span className="muted">提现到</span>
          <span data-testid="withdraw-to">微信零钱</span>
        </div>
        <Form.Item label="提现金额">
          <div className="amount-field">
            <span className="amount-prefix" aria-hidden="true">
              ¥
            </span>
            <Input
              className="amount-input"
              aria-label="提现金额"
              data-testid="withdraw-amount"
              inputMode="decimal"
              autoComplete="off"
              placeholder={`最少 ${yuanText(rules.min_fen)} 元`}
              maxLength={16}
              value={amount}
              onChange={(value) => {
                setAmount(value)
                setError(null)
              }}
            />
          </div>
        </Form.Item>
        <div className="withdraw-available">
          <span>
            可提现 <span data-testid="withdraw-available" data-fen={available}>{formatFen(available)}</span>
          </span>
          <Button
            fill="none"
            size="small"
            color="primary"
            data-testid="withdraw-all"
            disabled={allAvailableFen(available, rules) <= 0}
            onClick={() => {
              setAmount(yuanText(allAvailableFen(available, rules)))
              setError(null)
            }}
          >
            全部提现
          </Button>
        </div>
        <p className="withdraw-limits" data-testid="withdraw-limits">
          {limitsText(rules)}
        </p>
        {error && (
          <div className="withdraw-error">
            <p className="form-error" role="alert" data-testid="withdraw-error">
              {error.text}
            </p>
            {error.fix && (
              <Link className="link" to={error.fix.to} replace data-testid="withdraw-error-link">
                {error.fix.label}
              </Link>
            )}
          </div>
        )}
        <Button block type="submit" color="primary" size="large" data-testid="withdraw-submit" disabled={submitting}>
          提现
        </Button>
      </Form>
      <ul className="withdraw-notes">
        <li>提现将转入你的微信零钱，提交后需在微信中确认收款，24 小时内未确认将退回可提现余额。</li>
        <li>提现前须完成实名认证，姓名须与微信实名一致。</li>
        <li>提现处理中的金额计入「冻结中」，失败或被驳回后自动退回。</li>
      </ul>
      <Dialog
        visible={confirming !== null}
        title="确认提现"
        content={
          confirming !== null && (
            <div className="confirm-body" data-testid="withdraw-confirm">
              <span className="confirm-amount" data-testid="withdraw-confirm-amount" data-fen={confirming}>
                {formatFen(confirming)}
              </span>
              <span className="confirm-note">
                将转入你的微信零钱。提交后请在微信中确认收款，24 小时内未确认将退回可提现余额。
              </span>
            </div>
          )
        }
        actions={[
          [
            { key: 'cancel', text: '取消', disabled: submitting, onClick: () => setConfirming(null), ...testId('confirm-cancel') },
            {
              key: 'ok',
              text: submitting ? '请稍候…' : '确认提现',
              bold: true,
              disabled: submitting,
              onClick: onConfirm,
              ...testId('confirm-ok'),
            },
          ],
        ]}
      />
    </>
  )
}
