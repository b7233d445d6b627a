import { describe, expect, it } from 'vitest'
import { PAGES, ROLE_HINTS, documentTitle, mayOpen } from './routes'

describe('console pages', () => {
  it('gives each page its own title', () => {
    expect(documentTitle('提现管理')).toBe('提现管理 · 群宠运营后台')
    expect(documentTitle()).toBe('群宠运营后台')
    const titles = PAGES.map((p) => p.title)
    expect(new Set(titles).size).toBe(titles.length)
  })

  it('opens the money pages to admin and finance, operators to admin only', () => {
    const access = (path: string) => PAGES.find((p) => p.path === path)!.access
    expect(mayOpen(access('/withdrawals'), 'finance')).toBe(true)
    expect(mayOpen(access('/withdrawals'), 'operator')).toBe(false)
    expect(mayOpen(access('/operators'), 'finance')).toBe(false)
    expect(mayOpen(access('/operators'), 'admin')).toBe(true)
    expect(mayOpen(access('/settings'), 'operator')).toBe(true)
    expect(mayOpen(access('/ledger-audit'), undefined)).toBe(false)
  })

  it("says what finance can do (not read-only)", () => {
    expect(ROLE_HINTS.finance).toContain('重试')
    expect(ROLE_HINTS.finance).toContain('驳回')
    expect(ROLE_HINTS.finance).toContain('结算')
    expect(ROLE_HINTS.finance).not.toContain('只读')
  })
})
