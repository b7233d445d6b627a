// The real name once WeChat Pay refused it: when it may be corrected, and what the page says.
import type { Schemas } from '@gpet/common/api'
import { identityPath } from './validate'

/**
 * Present on the profile exactly when a correction is allowed now (GET /api/me): the withdrawal
 * WeChat Pay refused because the name did not match, what it said, the corrections left.
 */
export type IdentityCorrection = Schemas['CorrectionOffer']

/** Where the owner corrects the name, going on to withdraw again. */
export const CORRECTION_PATH = identityPath('/withdraw')

/** Why the name should be corrected, in words. */
export function correctionReason(c: Pick<IdentityCorrection, 'failure_reason' | 'withdrawal_id'>): string {
  const reason = c.failure_reason.trim() || '实名信息与微信实名不一致'
  return `提现单 #${c.withdrawal_id} 未成功：微信支付提示「${reason}」，金额已退回可提现余额。`
}

/** What the owner may still do. */
export function correctionHint(remaining: number): string {
  return remaining > 0
    ? `请把姓名改为与你的微信实名一致的姓名，然后重新提现。还可修改 ${remaining} 次。`
    : '修改次数已用完，请联系客服处理。'
}
