import { describe, expect, it } from 'vitest'
import { afterPasswordChange, isValid, passwordPath, validatePasswordChange } from './password'

const form = (current: string, next: string, again = next) => validatePasswordChange({ current, next, again })

describe('validatePasswordChange', () => {
  it('asks for every field, each under its own', () => {
    expect(form('', '', '')).toEqual({ current: '请输入当前密码', next: '请输入新密码', again: '请再次输入新密码' })
    expect(form('old-pass-1', 'new-pass-1', '')).toEqual({ again: '请再次输入新密码' })
  })

  it('takes 8 to 128 characters, counted as the server counts them', () => {
    expect(form('old-pass-1', '1234567')).toEqual({ next: '密码长度须为 8–128 位' })
    expect(form('old-pass-1', '12345678')).toEqual({})
    expect(form('old-pass-1', 'x'.repeat(128))).toEqual({})
    expect(form('old-pass-1', 'x'.repeat(129))).toEqual({ next: '密码长度须为 8–128 位' })
    // Eight characters, sixteen UTF-16 units.
    expect(form('old-pass-1', '🐶'.repeat(8))).toEqual({})
    expect(form('old-pass-1', '🐶'.repeat(7))).toEqual({ next: '密码长度须为 8–128 位' })
    expect(form('old-pass-1', '密码密码密码密码')).toEqual({})
  })

  it('wants the two new ones to match', () => {
    expect(form('old-pass-1', 'new-pass-1', 'new-pass-2')).toEqual({ again: '两次输入的新密码不一致' })
    expect(form('old-pass-1', 'new-pass-1', 'new-pass-1 ')).toEqual({ again: '两次输入的新密码不一致' })
    // A short new one is said once, under 新密码.
    expect(form('old-pass-1', 'short', 'short')).toEqual({ next: '密码长度须为 8–128 位' })
    expect(form('old-pass-1', 'short', 'other')).toEqual({
      next: '密码长度须为 8–128 位',
      again: '两次输入的新密码不一致',
    })
  })

  it('refuses the current password again', () => {
    expect(form('same-pass-1', 'same-pass-1')).toEqual({ next: '新密码不能与当前密码相同' })
  })

  it('keeps spaces: a password is taken as typed', () => {
    expect(form(' old-pass ', ' new-pass ')).toEqual({})
  })

  it('is valid with no problem left', () => {
    expect(isValid({})).toBe(true)
    expect(isValid({ again: '' })).toBe(true)
    expect(isValid({ next: '请输入新密码' })).toBe(false)
  })
})

describe('password page paths', () => {
  it('keeps where the operator was going', () => {
    expect(passwordPath('/users?q=张伟')).toBe('/password?next=%2Fusers%3Fq%3D%E5%BC%A0%E4%BC%9F')
    expect(passwordPath('/')).toBe('/password')
    expect(passwordPath('/password')).toBe('/password')
    expect(passwordPath('/password/?next=%2Fusers')).toBe('/password')
    expect(passwordPath('//evil.example')).toBe('/password')
  })

  it('goes there afterwards, or to the dashboard', () => {
    expect(afterPasswordChange('/users?q=1')).toBe('/users?q=1')
    expect(afterPasswordChange(null)).toBe('/')
    expect(afterPasswordChange('/password')).toBe('/')
    expect(afterPasswordChange('https://evil.example')).toBe('/')
  })
})
