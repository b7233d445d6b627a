import { describe, expect, it } from 'vitest'
import {
  bindPhonePath,
  identityPath,
  codeError,
  idCheckChar,
  idChecksumOk,
  idNumberError,
  maskIdNumber,
  maskPhone,
  nameError,
  normalizeIdNumber,
  phoneError,
  safeRedirect,
} from './validate'

const TODAY = new Date(2026, 10, 26)

describe('phoneError', () => {
  it('takes 11-digit mainland mobiles starting 13–19', () => {
    for (const phone of ['13812345678', '19912345678', '15000000000']) expect(phoneError(phone)).toBeNull()
  })

  it('refuses the rest with a reason', () => {
    expect(phoneError('')).toBe('请输入手机号')
    for (const phone of ['12812345678', '1381234567', '138123456789', '23812345678', '1381234567a', ' 13812345678']) {
      expect(phoneError(phone), phone).toMatch(/格式不正确/)
    }
  })
})

describe('codeError', () => {
  it('wants exactly 6 digits', () => {
    expect(codeError('012345')).toBeNull()
    expect(codeError('')).toBe('请输入验证码')
    for (const code of ['12345', '1234567', '12345a']) expect(codeError(code), code).toMatch(/6 位/)
  })
})

describe('maskPhone', () => {
  it('keeps the first 3 and last 4 digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678')
  })
})

describe('idCheckChar (ISO 7064 MOD 11-2)', () => {
  it('answers the check characters of known IDs', () => {
    // The example of GB 11643-1999.
    expect(idCheckChar('11010519491231002')).toBe('X')
    expect(idCheckChar('44052418800101001')).toBe('4')
  })

  it('maps every remainder to its character: 1 0 X 9 8 7 6 5 4 3 2', () => {
    // One body per remainder, weighted sum = remainder: a single digit d at position i adds d × weight.
    // Position 7 has weight 1, so 0000000d000000000 sums to d.
    const chars = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => idCheckChar(`0000000${d}000000000`))
    expect(chars).toEqual(['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3'])
    // Remainder 10: a 1 at position 2 (weight 10).
    expect(idCheckChar('00100000000000000')).toBe('2')
  })

  it('answers null for a body that is not 17 digits', () => {
    expect(idCheckChar('1101051949123100')).toBeNull()
    expect(idCheckChar('1101051949123100X')).toBeNull()
  })

  it('accepts exactly one check character per body', () => {
    const body = '32010619900307123'
    const right = '0123456789X'.split('').filter((c) => idChecksumOk(body + c))
    expect(right).toHaveLength(1)
  })
})

describe('idNumberError', () => {
  it('accepts valid IDs, lower-case x included', () => {
    expect(idNumberError('11010519491231002X', TODAY)).toBeNull()
    expect(idNumberError('11010519491231002x', TODAY)).toBeNull()
    expect(normalizeIdNumber(' 11010519491231002x ')).toBe('11010519491231002X')
  })

  it('says what is wrong', () => {
    const cases: [string, string][] = [
      ['', '请输入'],
      ['11010519491231002', '18 位'],
      ['1101051949123100XX', '18 位'],
      ['11010519491231002Y', '18 位'],
      ['990105194912310025', '地区码'],
      ['110105194902300026', '出生日期'], // 30 February
      ['440524188001010014', '出生日期'], // before 1900, checksum right
      ['110105203001010010', '出生日期'], // in the future
      ['110105194912310021', '校验位'],
    ]
    for (const [id, expected] of cases) expect(idNumberError(id, TODAY), id).toContain(expected)
  })

  it('takes a birth date of today, not tomorrow', () => {
    const withCheck = (body: string) => body + idCheckChar(body)
    expect(idNumberError(withCheck('11010520261126001'), TODAY)).toBeNull()
    expect(idNumberError(withCheck('11010520261127001'), TODAY)).toContain('出生日期')
  })
})

describe('nameError', () => {
  it('takes 2–30 characters of Chinese, letters, spaces or ·', () => {
    for (const name of ['张伟', '欧阳娜娜', '阿卜杜·热合曼', 'John Smith', ' 李娜 ']) expect(nameError(name), name).toBeNull()
  })

  it('refuses the rest', () => {
    expect(nameError('  ')).toBe('请输入真实姓名')
    expect(nameError('张')).toContain('2–30')
    expect(nameError('张'.repeat(31))).toContain('2–30')
    expect(nameError('张3')).toContain('汉字、字母')
    expect(nameError('张伟!')).toContain('汉字、字母')
  })
})

describe('safeRedirect', () => {
  it('keeps paths of the H5 app', () => {
    expect(safeRedirect('/invite')).toBe('/invite')
    expect(safeRedirect('/identity?from=home')).toBe('/identity?from=home')
    expect(safeRedirect('/search')).toBe('/search')
  })

  it('answers / for anything else', () => {
    for (const bad of [null, undefined, '', 'invite', 'https://evil.example', '//evil.example', '/\\evil.example', '/api/me', '/s/4c92', '/a\nb']) {
      expect(safeRedirect(bad), String(bad)).toBe('/')
    }
  })
})

describe('bindPhonePath', () => {
  it('carries the page to come back to', () => {
    expect(bindPhonePath('/identity')).toBe('/bind-phone?redirect=/identity')
    const back = new URLSearchParams(bindPhonePath('/invite?tab=1&x=a b').split('?').slice(1).join('?'))
    expect(back.get('redirect')).toBe('/invite?tab=1&x=a b')
  })
})

describe('identityPath', () => {
  it('carries the page to go on to, and survives a trip through phone binding', () => {
    expect(identityPath('/')).toBe('/identity')
    expect(identityPath('/withdraw')).toBe('/identity?redirect=/withdraw')
    const viaPhone = new URL(bindPhonePath(identityPath('/withdraw')), 'https://h5.example')
    const identity = new URL(safeRedirect(viaPhone.searchParams.get('redirect')), 'https://h5.example')
    expect(identity.pathname).toBe('/identity')
    expect(safeRedirect(identity.searchParams.get('redirect'))).toBe('/withdraw')
  })
})

describe('maskIdNumber', () => {
  it('keeps the first 6 and the last 4 characters, as the server stores it', () => {
    expect(maskIdNumber('11010519900307123x')).toBe('110105********123X')
    expect(maskIdNumber(' 110105199003071234 ')).toBe('110105********1234')
    expect(maskIdNumber('1101')).toBe('1101')
  })
})
