import { describe, expect, it } from 'vitest'
import { CORRECTION_PATH, correctionHint, correctionReason } from './identity'

describe('identity correction', () => {
  it('goes on to withdraw again', () => {
    expect(CORRECTION_PATH).toBe('/identity?redirect=/withdraw')
  })

  it('says why, and what is left', () => {
    expect(correctionReason({ withdrawal_id: 12, failure_reason: '实名信息与微信实名不一致' })).toBe(
      '提现单 #12 未成功：微信支付提示「实名信息与微信实名不一致」，金额已退回可提现余额。',
    )
    expect(correctionReason({ withdrawal_id: 3, failure_reason: ' ' })).toMatch(/实名信息与微信实名不一致/)
    expect(correctionHint(2)).toMatch(/还可修改 2 次/)
    expect(correctionHint(0)).toMatch(/联系客服/)
  })
})
