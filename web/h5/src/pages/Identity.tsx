import { useState, type ReactNode } from 'react'
import { Button, Dialog, Form, Input, Result } from 'antd-mobile'
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom'
import './forms.css'
import {
  ApiError,
  PHONE_MISSING,
  PROFILE_COMPLETE,
  SENSITIVE_WORD,
  type Me,
  api,
  getMe,
  sensitiveWords,
  sessionGone,
  verifyIdentity,
} from '../api'
import { useLoad } from '../hooks'
import { CheckIcon } from '../icons'
import { type IdentityCorrection, correctionHint, correctionReason } from '../lib/identity'
import { track } from '../track'
import {
  bindPhonePath,
  idNumberError,
  identityPath,
  maskIdNumber,
  nameError,
  normalizeIdNumber,
  normalizeName,
  safeRedirect,
} from '../lib/validate'
import { TitleBar } from '../ui'
import { LoadError, Loading } from './states'

/** Corrects the real name WeChat Pay refused; answers the profile. */
const correctIdentity = (name: string) => api<Me>('/api/me/identity/correction', { method: 'POST', body: { name } })

/** What went wrong, as the page says it ('' for a lost session: the browser is leaving for login). */
function errorText(e: unknown, fallback: string): string {
  if (!(e instanceof ApiError)) return fallback
  if (sessionGone(e)) return ''
  const words = e.code === SENSITIVE_WORD ? sensitiveWords(e).filter((w) => !e.message.includes(w)) : []
  return words.length ? `${e.message}（${words.join('、')}）` : e.message || fallback
}

/**
 * /identity?redirect=<H5 path>: real name and resident ID, once (needs a phone first), confirmed
 * as it will be kept; and, when WeChat Pay refused a withdrawal because the name did not match,
 * the name corrected.
 */
export default function Identity() {
  const [params] = useSearchParams()
  const redirect = safeRedirect(params.get('redirect'))
  const { state, reload, set } = useLoad(getMe)
  const [corrected, setCorrected] = useState(false)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const me = state.data
  if (!me.phone) return <Navigate to={bindPhonePath(identityPath(redirect))} replace />
  if (!me.identity) return <IdentityForm redirect={redirect} onDone={set} onAlreadyVerified={reload} />

  if (corrected) return <Corrected identity={me.identity} />
  return (
    <div className="page">
      <TitleBar title="实名认证" />
      <div className="done" data-testid="identity-done">
        <div className="done-icon">
          <CheckIcon size={40} />
        </div>
        <p className="done-title">已完成实名认证</p>
        <IdentityCard name={me.identity.name} idNumber={me.identity.id_number} />
        {me.identity_correction ? (
          <CorrectionForm
            correction={me.identity_correction}
            idNumber={me.identity.id_number}
            onDone={(profile) => {
              set(profile)
              setCorrected(true)
            }}
          />
        ) : (
          <Link className="btn btn-primary state-action" to={redirect} replace data-testid="identity-back">
            {redirect === '/' ? '返回首页' : '继续'}
          </Link>
        )}
      </div>
    </div>
  )
}

function IdentityCard({ name, idNumber }: { name: string; idNumber: string }) {
  return (
    <section className="card done-card">
      <div className="row">
        <span>姓名</span>
        <span data-testid="identity-name-masked">{name}</span>
      </div>
      <div className="row">
        <span>身份证号</span>
        <span className="mono" data-testid="identity-number-masked">
          {idNumber}
        </span>
      </div>
    </section>
  )
}

/** After a correction: what is kept now, and the next step, withdrawing again. */
function Corrected({ identity }: { identity: NonNullable<Me['identity']> }) {
  const navigate = useNavigate()
  return (
    <div className="page">
      <TitleBar title="实名认证" />
      <Result
        status="success"
        title="姓名已修改"
        description="提现金额已在可提现余额中，现在可以重新提现。"
        data-testid="identity-corrected"
      />
      <IdentityCard name={identity.name} idNumber={identity.id_number} />
      <Button
        block
        color="primary"
        size="large"
        data-testid="withdraw-again"
        // The flow goes on: back from the withdrawal does not come here again.
        onClick={() => navigate('/withdraw', { replace: true })}
      >
        重新提现
      </Button>
    </div>
  )
}

/** The confirmation of what will be kept: the name in full, the ID as it is kept (masked). */
function ConfirmIdentity(props: {
  visible: boolean
  title: string
  name: string
  maskedId: string
  note: ReactNode
  ok: string
  busy: boolean
  onOk: () => void
  onCancel: () => void
}) {
  return (
    <Dialog
      visible={props.visible}
      title={props.title}
      content={
        <div className="identity-confirm" data-testid="identity-confirm">
          <div className="row">
            <span className="muted">姓名</span>
            <span data-testid="identity-confirm-name">{props.name}</span>
          </div>
          <div className="row">
            <span className="muted">身份证号</span>
            <span className="mono" data-testid="identity-confirm-number">
              {props.maskedId}
            </span>
          </div>
          <p className="confirm-note" data-testid="identity-confirm-note">
            {props.note}
          </p>
        </div>
      }
      actions={[
        [
          { key: 'cancel', text: '返回修改', disabled: props.busy, onClick: props.onCancel, ...testId('identity-confirm-cancel') },
          {
            key: 'ok',
            text: props.busy ? '正在提交…' : props.ok,
            bold: true,
            disabled: props.busy,
            onClick: props.onOk,
            ...testId('identity-confirm-ok'),
          },
        ],
      ]}
    />
  )
}

/** A data-testid for an antd-mobile action (which passes data-* attributes on to its button). */
const testId = (id: string) => ({ 'data-testid': id }) as object

interface IdentityValues {
  name?: string
  id_number?: string
}

/** Only what an ID number is made of, 18 at most. */
const idChars = (value: string | undefined) => (value ?? '').replace(/[^0-9xX]/g, '').slice(0, 18).toUpperCase()

function IdentityForm(props: { redirect: string; onDone: (me: Me) => void; onAlreadyVerified: () => void }) {
  const navigate = useNavigate()
  const [form] = Form.useForm<IdentityValues>()
  const name = Form.useWatch('name', form) ?? ''
  const idNumber = Form.useWatch('id_number', form) ?? ''
  const [error, setError] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [submitting, setSubmitting] = useState(false)

  const onSubmit = () => {
    const invalid = nameError(name) ?? idNumberError(idNumber)
    setError(invalid ?? '')
    if (!invalid) setConfirming(true)
  }

  const onConfirm = async () => {
    setSubmitting(true)
    try {
      const me = await verifyIdentity(normalizeName(name), normalizeIdNumber(idNumber))
      track('identity_verified')
      props.onDone(me)
    } catch (e) {
      setSubmitting(false)
      setConfirming(false)
      if (e instanceof ApiError && e.code === PHONE_MISSING) {
        navigate(bindPhonePath(identityPath(props.redirect)), { replace: true })
        return
      }
      setError(errorText(e, '提交失败，请稍后再试'))
      if (e instanceof ApiError && e.code === PROFILE_COMPLETE) props.onAlreadyVerified()
    }
  }

  // Said as soon as all 18 characters are typed, not only on submit.
  const typed = normalizeIdNumber(idNumber)
  const idHint = typed.length === 18 ? idNumberError(typed) : null

  return (
    <div className="page">
      <TitleBar title="实名认证" />
      <p className="page-intro">提现前需完成实名认证，姓名须与你的微信实名一致。信息仅用于身份核验，提交后不可修改。</p>
      <Form
        form={form}
        name="identity"
        className="card"
        layout="vertical"
        onFinish={onSubmit}
        onValuesChange={() => setError('')}
        footer={
          <>
            {idHint && !error && (
              <p className="form-hint" data-testid="identity-hint">
                {idHint}
              </p>
            )}
            {error && (
              <p className="form-error" role="alert" data-testid="form-error">
                {error}
              </p>
            )}
            <Button block type="submit" color="primary" size="large" data-testid="identity-submit" disabled={submitting}>
              提交认证
            </Button>
          </>
        }
      >
        <Form.Item label="真实姓名" name="name">
          <Input data-testid="identity-name" autoComplete="name" placeholder="与身份证一致" maxLength={30} />
        </Form.Item>
        <Form.Item label="身份证号" name="id_number" normalize={idChars}>
          <Input
            className="mono"
            data-testid="identity-number"
            autoComplete="off"
            autoCapitalize="characters"
            placeholder="18 位身份证号"
            maxLength={18}
          />
        </Form.Item>
      </Form>
      <ConfirmIdentity
        visible={confirming}
        title="确认实名信息"
        name={normalizeName(name)}
        maskedId={maskIdNumber(idNumber)}
        note="将按以上信息保存（身份证号只保存前 6 位和后 4 位）。提交后不可修改，姓名须与你的微信实名一致，否则提现会失败。"
        ok="确认提交"
        busy={submitting}
        onOk={onConfirm}
        onCancel={() => setConfirming(false)}
      />
    </div>
  )
}

/** The name corrected after WeChat Pay refused it: the new name, confirmed, the ID kept as it is. */
function CorrectionForm(props: { correction: IdentityCorrection; idNumber: string; onDone: (me: Me) => void }) {
  const { correction } = props
  const [form] = Form.useForm<{ name?: string }>()
  const name = Form.useWatch('name', form) ?? ''
  const [error, setError] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [submitting, setSubmitting] = useState(false)

  const onSubmit = () => {
    const invalid = nameError(name)
    setError(invalid ?? '')
    if (!invalid) setConfirming(true)
  }

  const onConfirm = async () => {
    setSubmitting(true)
    try {
      const me = await correctIdentity(normalizeName(name))
      track('identity_corrected')
      props.onDone(me)
    } catch (e) {
      setSubmitting(false)
      setConfirming(false)
      setError(errorText(e, '修改失败，请稍后再试'))
    }
  }

  return (
    <section className="card correction-card" data-testid="identity-correction">
      <h2 className="card-title">修改实名姓名</h2>
      <p className="notice notice-warn" data-testid="identity-correction-reason">
        {correctionReason(correction)}
      </p>
      <p className="muted" data-testid="identity-correction-hint">
        {correctionHint(correction.remaining)}
      </p>
      {correction.remaining > 0 && (
        <Form
          form={form}
          name="correction"
          layout="vertical"
          onFinish={onSubmit}
          onValuesChange={() => setError('')}
          footer={
            <>
              {error && (
                <p className="form-error" role="alert" data-testid="form-error">
                  {error}
                </p>
              )}
              <Button block type="submit" color="primary" data-testid="identity-correction-submit" disabled={submitting}>
                修改姓名
              </Button>
            </>
          }
        >
          <Form.Item label="与微信实名一致的姓名" name="name">
            <Input
              data-testid="identity-correction-name"
              autoComplete="name"
              placeholder="请输入你的微信实名"
              maxLength={30}
            />
          </Form.Item>
        </Form>
      )}
      <ConfirmIdentity
        visible={confirming}
        title="确认修改姓名"
        name={normalizeName(name)}
        maskedId={props.idNumber}
        note={`身份证号不变。修改后以新姓名重新提现，请确认与你的微信实名完全一致（还可修改 ${correction.remaining} 次，每次修改都会被记录）。`}
        ok="确认修改"
        busy={submitting}
        onOk={onConfirm}
        onCancel={() => setConfirming(false)}
      />
    </section>
  )
}
