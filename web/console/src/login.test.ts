import { describe, expect, it } from 'vitest'
import { safeNext, validateLogin } from './login'

describe('validateLogin', () => {
  it('asks for what is missing before sending', () => {
    expect(validateLogin('', '')).toBe('请输入用户名和密码')
    expect(validateLogin('  ', 'x')).toBe('请输入用户名')
    expect(validateLogin('admin', '')).toBe('请输入密码')
    expect(validateLogin('admin', 'x')).toBe('')
  })
})

describe('safeNext', () => {
  it('returns only to paths inside the console', () => {
    expect(safeNext('/users?q=1')).toBe('/users?q=1')
    expect(safeNext(null)).toBe('/')
    expect(safeNext('https://evil.example')).toBe('/')
    expect(safeNext('//evil.example')).toBe('/')
    expect(safeNext('/\\evil.example')).toBe('/')
  })
})
