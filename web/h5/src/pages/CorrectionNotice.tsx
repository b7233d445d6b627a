// The way out of a withdrawal WeChat Pay refused because the real name did not match: a link to
// correct the name, shown wherever the owner meets that withdrawal while a correction is allowed.
import { useEffect, useState } from 'react'
import { Link } from 'react-router-dom'
import './forms.css'
import { getMe } from '../api'
import { CORRECTION_PATH, type IdentityCorrection, correctionReason } from '../lib/identity'

/**
 * What GET /api/me says of a correction allowed now (null: none, or not known yet). With
 * `withdrawalId`, only a correction of that withdrawal counts.
 */
function useCorrection(withdrawalId?: number): IdentityCorrection | null {
  const [correction, setCorrection] = useState<IdentityCorrection | null>(null)
  useEffect(() => {
    let live = true
    getMe().then(
      (me) => {
        const c = me.identity_correction ?? null
        if (live) setCorrection(c && (withdrawalId === undefined || c.withdrawal_id === withdrawalId) ? c : null)
      },
      () => undefined,
    )
    return () => {
      live = false
    }
  }, [withdrawalId])
  return correction
}

/**
 * 修改实名姓名 for a refused withdrawal (`withdrawalId`, or the owner's latest), when the owner may
 * correct the name now; nothing otherwise. `replace`: the link continues the page's flow.
 */
export default function CorrectionNotice({ withdrawalId, replace = false }: { withdrawalId?: number; replace?: boolean }) {
  const correction = useCorrection(withdrawalId)
  if (!correction || correction.remaining <= 0) return null
  return (
    <div className="notice notice-warn correction-notice" role="status" data-testid="identity-correction-notice">
      <p>{withdrawalId === undefined ? correctionReason(correction) : '姓名与微信实名不一致：修改姓名后即可重新提现。'}</p>
      <Link className="link" to={CORRECTION_PATH} replace={replace} data-testid="identity-correction-link">
        修改实名姓名 ›
      </Link>
    </div>
  )
}
