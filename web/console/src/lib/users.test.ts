import { describe, expect, it } from 'vitest'
import type { Withdrawal } from '../api'
import { correctionSince, nameCorrectedAt, flowKindLabel, flowTitle, incomeByKind, isNameMismatch, withdrawalsLink } from './users'

const w = (patch: Partial<Withdrawal>): Withdrawal =>
  ({
    id: 7,
    user_id: 3,
    nickname: '小明',
    amount_fen: 1000,
    attempt: 1,
    created_at: '2026-11-26T01:00:00Z',
    updated_at: '2026-11-26T02:00:00Z',
    day: '2026-11-26',
    out_bill_no: 'GW7A1',
    state: 'failed',
    failure_reason: '实名信息与微信实名不一致',
    ...patch,
  }) as Withdrawal

describe('user money', () => {
  it('names kinds as the H5 does', () => {
    expect(flowKindLabel('group_income')).toBe('群收益')
    expect(flowKindLabel('grand_master_ad_commission')).toBe('徒孙广告分成')
    expect(flowKindLabel('bonus')).toBe('bonus')
    expect(flowTitle({ kind: 'ad_income', title: ' ' })).toBe('广告收益')
    expect(flowTitle({ kind: 'ad_income', title: '广告A' })).toBe('广告A')
  })

  it('orders income as the H5 and sums it', () => {
    const { rows, total_fen } = incomeByKind([
      { kind: 'master_commission', total_fen: 5 },
      { kind: 'zzz', total_fen: 1 },
      { kind: 'group_income', total_fen: 100 },
    ])
    expect(rows.map((r) => r.label)).toEqual(['群收益', '徒弟分成', 'zzz'])
    expect(total_fen).toBe(106)
  })

  it('tells a name mismatch', () => {
    expect(isNameMismatch(w({}))).toBe(true)
    expect(isNameMismatch(w({ state: 'rejected' }))).toBe(false)
    expect(isNameMismatch(w({ failure_reason: '余额不足' }))).toBe(false)
    expect(isNameMismatch(w({ failure_reason: null }))).toBe(false)
  })

  it('finds the correction made since the failure', () => {
    const mine = { old_name: '张三', new_name: '张叁', withdrawal_id: 7, created_at: '2026-11-26T01:30:00Z' }
    const later = { old_name: '张叁', new_name: '张三丰', withdrawal_id: 9, created_at: '2026-11-27T00:00:00Z' }
    const before = { old_name: 'a', new_name: 'b', withdrawal_id: 1, created_at: '2026-11-20T00:00:00Z' }
    expect(correctionSince(w({}), [before])).toBeNull()
    expect(correctionSince(w({}), [before, mine])).toEqual(mine)
    expect(correctionSince(w({}), [mine, later])).toEqual(later)
    expect(correctionSince(w({}), [])).toBeNull()
  })

  it("takes the row's correction time, else the user's corrections", () => {
    const mine = { old_name: '张三', new_name: '张叁', withdrawal_id: 7, created_at: '2026-11-26T01:30:00Z' }
    expect(nameCorrectedAt({ ...w({}), name_corrected_at: '2026-11-26T03:00:00+08:00' })).toBe('2026-11-26T03:00:00+08:00')
    expect(nameCorrectedAt({ ...w({}), name_corrected_at: null }, [mine])).toBe(mine.created_at)
    expect(nameCorrectedAt(w({}), [])).toBeNull()
    expect(nameCorrectedAt({ ...w({ state: 'success', failure_reason: null }), name_corrected_at: 'x' })).toBeNull()
  })

  it("uses the server's words for income kinds", () => {
    expect(incomeByKind([{ kind: 'ad_income', title: '广告收入', total_fen: 1 }]).rows[0].label).toBe('广告收入')
  })

  it('links to the withdrawals page', () => {
    expect(withdrawalsLink(3)).toBe('/withdrawals?user_id=3')
    expect(withdrawalsLink(3, { id: 7, day: '2026-11-26' })).toBe('/withdrawals?user_id=3&day=2026-11-26&id=7')
  })
})
