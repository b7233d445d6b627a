import { useRef, useState } from 'react'
import { Button, Form, Input, type InputRef } from 'antd-mobile'
import { Link, useNavigate, useSearchParams } from 'react-router-dom'
import './forms.css'
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
import { FormMessages, TitleBar } from '../ui'
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
        <TitleBar title="绑定手机号" />
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
  const codeInput = useRef<InputRef>(null)

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

  const onSubmit = async () => {
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
      else if (e.code === WRONG_CODE) codeInput.current?.nativeElement?.select()
    }
  }

  return (
    <div className="page">
      <TitleBar title="绑定手机号" />
      <p className="page-intro">绑定后即可领取机器人、提现收益，手机号仅用于账号安全与通知。</p>
      <Form
        className="card"
        layout="vertical"
        onFinish={onSubmit}
        footer={
          <>
            <FormMessages notice={notice} noticeTestId="code-sent" error={error} />
            <Button block type="submit" color="primary" size="large" data-testid="bind-submit" disabled={submitting}>
              {submitting ? '正在绑定…' : '绑定手机号'}
            </Button>
          </>
        }
      >
        <Form.Item label="手机号">
          <Input
            aria-label="手机号"
            data-testid="phone-input"
            type="tel"
            inputMode="numeric"
            autoComplete="tel-national"
            placeholder="请输入 11 位手机号"
            maxLength={11}
            clearable
            value={phone}
            onChange={(value) => setPhone(digits(value, 11))}
          />
        </Form.Item>
        <Form.Item
          label="验证码"
          extra={
            <Button
              size="small"
              color="primary"
              fill="outline"
              data-testid="send-code"
              onClick={onSend}
              disabled={sending || left > 0}
            >
              {sending ? '发送中…' : sendCodeLabel(left, sentTo !== '')}
            </Button>
          }
        >
          <Input
            ref={codeInput}
            aria-label="验证码"
            data-testid="code-input"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="6 位验证码"
            maxLength={6}
            value={code}
            onChange={(value) => setCode(digits(value, 6))}
          />
        </Form.Item>
      </Form>
    </div>
  )
}
