import { useState, type FormEvent } from 'react'
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom'
import {
  ApiError,
  PHONE_MISSING,
  PROFILE_COMPLETE,
  SENSITIVE_WORD,
  type Me,
  getMe,
  sensitiveWords,
  sessionGone,
  verifyIdentity,
} from '../api'
import { useLoad } from '../hooks'
import { CheckIcon } from '../icons'
import { track } from '../track'
import {
  bindPhonePath,
  idNumberError,
  identityPath,
  nameError,
  normalizeIdNumber,
  normalizeName,
  safeRedirect,
} from '../lib/validate'
import { FormError, PageHeader } from '../widgets'
import { LoadError, Loading } from './states'

/** /identity?redirect=<H5 path>: real name and resident ID, once; needs a phone first. */
export default function Identity() {
  const [params] = useSearchParams()
  const redirect = safeRedirect(params.get('redirect'))
  const { state, reload, set } = useLoad(getMe)

  if (state === null) return <Loading />
  if ('error' in state) return <LoadError error={state.error} onRetry={reload} />
  const me = state.data
  if (!me.phone) return <Navigate to={bindPhonePath(identityPath(redirect))} replace />
  if (me.identity) {
    return (
      <div className="page">
        <PageHeader title="实名认证" />
        <div className="done" data-testid="identity-done">
          <div className="done-icon">
            <CheckIcon size={40} />
          </div>
          <p className="done-title">已完成实名认证</p>
          <section className="card done-card">
            <div className="row">
              <span>姓名</span>
              <span data-testid="identity-name-masked">{me.identity.name}</span>
            </div>
            <div className="row">
              <span>身份证号</span>
              <span className="mono" data-testid="identity-number-masked">
                {me.identity.id_number}
              </span>
            </div>
          </section>
          <Link className="btn btn-primary state-action" to={redirect} replace data-testid="identity-back">
            {redirect === '/' ? '返回首页' : '继续'}
          </Link>
        </div>
      </div>
    )
  }
  return <IdentityForm redirect={redirect} onDone={set} onAlreadyVerified={reload} />
}

function IdentityForm(props: { redirect: string; onDone: (me: Me) => void; onAlreadyVerified: () => void }) {
  const navigate = useNavigate()
  const [name, setName] = useState('')
  const [idNumber, setIdNumber] = useState('')
  const [error, setError] = useState('')
  const [submitting, setSubmitting] = useState(false)

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault()
    const invalid = nameError(name) ?? idNumberError(idNumber)
    setError(invalid ?? '')
    if (invalid) return
    setSubmitting(true)
    try {
      const me = await verifyIdentity(normalizeName(name), normalizeIdNumber(idNumber))
      track('identity_verified')
      props.onDone(me)
    } catch (e) {
      setSubmitting(false)
      if (!(e instanceof ApiError)) {
        setError('提交失败，请稍后再试')
        return
      }
      if (sessionGone(e)) return
      if (e.code === PHONE_MISSING) {
        navigate(bindPhonePath(identityPath(props.redirect)), { replace: true })
        return
      }
      const words = e.code === SENSITIVE_WORD ? sensitiveWords(e).filter((w) => !e.message.includes(w)) : []
      setError(words.length ? `${e.message}（${words.join('、')}）` : e.message)
      if (e.code === PROFILE_COMPLETE) props.onAlreadyVerified()
    }
  }

  // Said as soon as all 18 characters are typed, not only on submit.
  const typed = normalizeIdNumber(idNumber)
  const idHint = typed.length === 18 ? idNumberError(typed) : null

  return (
    <div className="page">
      <PageHeader title="实名认证" />
      <p className="page-intro">提现前需完成实名认证。信息仅用于身份核验，提交后不可修改。</p>
      <form className="card form" onSubmit={onSubmit} noValidate>
        <label className="field">
          <span className="field-label">真实姓名</span>
          <input
            className="field-input"
            data-testid="identity-name"
            autoComplete="name"
            placeholder="与身份证一致"
            maxLength={30}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">身份证号</span>
          <input
            className="field-input mono"
            data-testid="identity-number"
            autoComplete="off"
            autoCapitalize="characters"
            placeholder="18 位身份证号"
            maxLength={18}
            value={idNumber}
            onChange={(e) => setIdNumber(e.target.value.replace(/[^0-9xX]/g, '').slice(0, 18))}
          />
        </label>
        {idHint && !error && (
          <p className="form-hint" data-testid="identity-hint">
            {idHint}
          </p>
        )}
        <FormError error={error} />
        <button className="btn btn-primary btn-block" type="submit" data-testid="identity-submit" disabled={submitting}>
          {submitting ? '正在提交…' : '提交认证'}
        </button>
      </form>
    </div>
  )
}
