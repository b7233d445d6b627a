import { useRef, useState, type FormEvent } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router-dom'
import {
  ApiError,
  CODE_EXPIRED,
  PROFILE_COMPLETE,
  WRONG_CODE,
  bindPhone,
  getMe,
  sendPhoneCode,
  sessionGone,
} from '../api'
import { sendCodeLabel } from '../lib/format'
import { useCountdown, useLoad } from '../hooks'
import { CheckIcon } from '../icons'
import { track } from '../track'
import { codeError, maskPhone, phoneError, safeRedirect } from '../lib/validate'
import { FormError, PageHeader } from '../widgets'
import { LoadError, Loading } from './states'

/** The message of an error, or '' for a lost session (the browser is leaving for login). */
const messageOf = (e: unknown): string => {
  if (sessionGone(e)) return ''
  return e instanceof ApiError ? e.message : '操作失败，请稍后再试'
}

/** /bind-phone?redirect=<H5 path>: binds a phone with an SMS code, then goes to `redirect`. */
export default function BindPhone() {
  const [params] = useSearchParams()
  const redirect = safeRedirect(params.get('redirect'))
  const { state, reload } = useLoad(getMe)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const { phone } = state.data
  if (phone) {
    return (
      <div className="page">
        <PageHeader title="绑定手机号" />
        <div className="done" data-testid="phone-bound">
          <div className="done-icon">
            <CheckIcon size={40} />
          </div>
          <p className="done-title">已绑定手机号</p>
          <p className="done-value" data-testid="bound-phone">
            {phone}
          </p>
          <Link className="btn btn-primary state-action" to={redirect} replace data-testid="back-link">
            {redirect === '/' ? '返回首页' : '继续'}
          </Link>
        </div>
      </div>
    )
  }
  return <BindPhoneForm redirect={redirect} onAlreadyBound={reload} />
}

function BindPhoneForm({ redirect, onAlreadyBound }: { redirect: string; onAlreadyBound: () => void }) {
  const navigate = useNavigate()
  const [phone, setPhone] = useState('')
  const [code, setCode] = useState('')
  const [sending, setSending] = useState(false)
  const [submitting, setSubmitting] = useState(false)
  const [sentTo, setSentTo] = useState('')
  const [notice, setNotice] = useState('')
  const [error, setError] = useState('')
  const [left, startCountdown] = useCountdown()
  const codeInput = useRef<HTMLInputElement>(null)

  const digits = (value: string, max: number) => value.replace(/\D/g, '').slice(0, max)

  const onSend = async () => {
    const invalid = phoneError(phone)
    setError(invalid ?? '')
    if (invalid) return
    setSending(true)
    setNotice('')
    track('click', { button: 'send_sms_code' })
    try {
      const sent = await sendPhoneCode(phone)
      setSentTo(phone)
      startCountdown(sent.resend_after_secs)
      const minutes = Math.max(1, Math.round(sent.expires_in_secs / 60))
      setNotice(`验证码已发送至 ${maskPhone(phone)}，${minutes} 分钟内有效`)
      codeInput.current?.focus()
    } catch (e) {
      setError(messageOf(e))
      if (e instanceof ApiError && e.code === PROFILE_COMPLETE) onAlreadyBound()
    } finally {
      setSending(false)
    }
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const invalid = phoneError(phone) ?? codeError(code)
    setError(invalid ?? '')
    if (invalid) return
    setSubmitting(true)
    try {
      await bindPhone(phone, code)
      track('bind_phone_done')
      navigate(redirect, { replace: true })
    } catch (e) {
      setError(messageOf(e))
      setSubmitting(false)
      if (!(e instanceof ApiError)) return
      if (e.code === PROFILE_COMPLETE) onAlreadyBound()
      else if (e.code === CODE_EXPIRED) setCode('')
      else if (e.code === WRONG_CODE) codeInput.current?.select()
    }
  }

  return (
    <div className="page">
      <PageHeader title="绑定手机号" />
      <p className="page-intro">绑定后即可领取机器人、提现收益，手机号仅用于账号安全与通知。</p>
      <form className="card form" onSubmit={onSubmit} noValidate>
        <label className="field">
          <span className="field-label">手机号</span>
          <input
            className="field-input"
            data-testid="phone-input"
            type="tel"
            inputMode="numeric"
            autoComplete="tel-national"
            placeholder="请输入 11 位手机号"
            maxLength={11}
            value={phone}
            onChange={(e) => setPhone(digits(e.target.value, 11))}
          />
        </label>
        <div className="field">
          <label className="field-label" htmlFor="sms-code">
            验证码
          </label>
          <input
            id="sms-code"
            ref={codeInput}
            className="field-input"
            data-testid="code-input"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="6 位验证码"
            maxLength={6}
            value={code}
            onChange={(e) => setCode(digits(e.target.value, 6))}
          />
          <button
            type="button"
            className="btn btn-small btn-outline-green"
            data-testid="send-code"
            onClick={onSend}
            disabled={sending || left > 0}
          >
            {sending ? '发送中…' : sendCodeLabel(left, sentTo !== '')}
          </button>
        </div>
        {notice && (
          <p className="form-notice" data-testid="code-sent">
            {notice}
          </p>
        )}
        <FormError error={error} />
        <button className="btn btn-primary btn-block" type="submit" data-testid="bind-submit" disabled={submitting}>
          {submitting ? '正在绑定…' : '绑定手机号'}
        </button>
      </form>
    </div>
  )
}
