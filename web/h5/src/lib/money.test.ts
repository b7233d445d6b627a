import { describe, expect, it } from 'vitest'
import {
  IDENTITY_FIX,
  PHONE_FIX,
  RECORDS_FIX,
  allAvailableFen,
  amountError,
  limitsText,
  parseYuan,
  withdrawBlock,
  withdrawErrorMessage,
  yuanText,
} from './money'

describe('parseYuan', () => {
  it('turns yuan into exact integer fen', () => {
    const cases: [string, number][] = [
      ['12.34', 1234],
      ['12.3', 1230],
      ['12.', 1200],
      ['12', 1200],
      ['0.01', 1],
      ['.5', 50],
      ['0.1', 10],
      // 0.29 * 100 is 28.999999999999996 in floating point: the digits are used instead.
      ['0.29', 29],
      ['1.13', 113],
      ['4.35', 435],
      ['007.05', 705],
      [' 500 ', 50000],
      ['１２．３４', 1234],
      ['999999999.99', 99999999999],
    ]
    for (const [text, fen] of cases) expect(parseYuan(text), text).toEqual({ fen })
  })

  it('refuses what is not an amount, saying why', () => {
    const cases: [string, RegExp][] = [
      ['', /请输入提现金额/],
      ['   ', /请输入提现金额/],
      ['12.345', /两位小数/],
      ['0.001', /两位小数/],
      ['-1', /负数/],
      ['-0.5', /负数/],
      ['－3', /负数/],
      ['0', /大于 0/],
      ['0.00', /大于 0/],
      ['.', /正确的金额/],
      ['+1', /正确的金额/],
      ['1e3', /正确的金额/],
      ['1,000', /正确的金额/],
      ['¥5', /正确的金额/],
      ['5元', /正确的金额/],
      ['1 2', /正确的金额/],
      ['1.2.3', /正确的金额/],
      ['abc', /正确的金额/],
      ['Infinity', /正确的金额/],
      ['0x10', /正确的金额/],
      ['1234567890', /过大/],
    ]
    for (const [text, message] of cases) {
      const parsed = parseYuan(text)
      expect('error' in parsed ? parsed.error : `fen ${JSON.stringify(parsed)}`, text).toMatch(message)
    }
  })
})

describe('yuanText', () => {
  it('writes fen as the amount field takes it, round trip with parseYuan', () => {
    const cases: [number, string][] = [
      [1234, '12.34'],
      [1230, '12.3'],
      [1200, '12'],
      [5, '0.05'],
      [50, '0.5'],
      [0, '0'],
    ]
    for (const [fen, text] of cases) {
      expect(yuanText(fen), String(fen)).toBe(text)
      if (fen) expect(parseYuan(text)).toEqual({ fen })
    }
  })
})

const rules = {
  min_fen: 100,
  max_fen: 50000,
  withdrawn_today: false,
  phone_bound: true,
  identity_bound: true,
  frozen: false,
}

describe('allAvailableFen', () => {
  it('is the balance, at most one withdrawal’s limit', () => {
    expect(allAvailableFen(1234, rules)).toBe(1234)
    expect(allAvailableFen(80000, rules)).toBe(50000)
    expect(allAvailableFen(-5, rules)).toBe(0)
  })
})

describe('withdrawBlock', () => {
  it('lets an owner with a phone, an identity and no withdrawal today through', () => {
    expect(withdrawBlock(rules)).toBeNull()
  })

  it('stops a frozen account first, whatever else is missing', () => {
    const block = withdrawBlock({ ...rules, frozen: true, phone_bound: false, withdrawn_today: true })
    expect(block?.reason).toBe('frozen')
    expect(block?.text).toMatch(/冻结/)
  })

  it('asks for a phone before an identity, and leads back to the form', () => {
    expect(withdrawBlock({ ...rules, phone_bound: false, identity_bound: false })).toMatchObject({
      reason: 'phone',
      fix: PHONE_FIX,
    })
    expect(PHONE_FIX.to).toBe('/bind-phone?redirect=/withdraw')
    expect(withdrawBlock({ ...rules, identity_bound: false })).toMatchObject({ reason: 'identity', fix: IDENTITY_FIX })
    expect(IDENTITY_FIX.to).toBe('/identity?redirect=/withdraw')
  })

  it('says once a day, pointing at the records', () => {
    expect(withdrawBlock({ ...rules, withdrawn_today: true })).toMatchObject({
      reason: 'withdrawn_today',
      fix: RECORDS_FIX,
    })
  })
})

describe('amountError', () => {
  it('keeps an amount within the limits and the balance', () => {
    expect(amountError(100, rules, 100)).toBeNull()
    expect(amountError(50000, rules, 90000)).toBeNull()
    expect(amountError(99, rules, 1000)).toBe('单笔最少提现 ¥1.00')
    expect(amountError(50001, rules, 90000)).toBe('单笔最多提现 ¥500.00')
    expect(amountError(1001, rules, 1000)).toBe('可提现余额不足，当前可提现 ¥10.00')
  })

  it('states the limits', () => {
    expect(limitsText(rules)).toBe('单笔 ¥1.00 – ¥500.00，每天 1 次')
  })
})

describe('withdrawErrorMessage', () => {
  it("shows the server's message, with a way to fix what can be fixed", () => {
    expect(withdrawErrorMessage(3002, '余额不足')).toEqual({ text: '余额不足', fix: null })
    expect(withdrawErrorMessage(3003, '今日已提现')).toEqual({ text: '今日已提现', fix: RECORDS_FIX })
    expect(withdrawErrorMessage(3004, '账户已冻结')).toEqual({ text: '账户已冻结', fix: null })
    expect(withdrawErrorMessage(1403, '金额超出限制')).toEqual({ text: '金额超出限制', fix: null })
    expect(withdrawErrorMessage(2001, '请先绑定手机号')).toEqual({ text: '请先绑定手机号', fix: PHONE_FIX })
    expect(withdrawErrorMessage(2002, '请先实名认证')).toEqual({ text: '请先实名认证', fix: IDENTITY_FIX })
  })

  it('has words of its own when the server sent none', () => {
    expect(withdrawErrorMessage(3002, '').text).toMatch(/余额不足/)
    expect(withdrawErrorMessage(1500, ' ').text).toBe('提现失败，请稍后再试')
  })
})
