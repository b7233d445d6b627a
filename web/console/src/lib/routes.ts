// The console's pages: their paths, titles (the browser tab says "提现管理 · 群宠运营后台") and which
// roles may open them (the router shows 无权限 to the others before the page renders).
import type { Role } from '../api'

export const APP_NAME = '群宠运营后台'

export type Access = 'all' | 'finance' | 'admin'

export interface PageInfo {
  path: string
  title: string
  access: Access
}

export const PAGES: PageInfo[] = [
  { path: '/', title: '仪表盘', access: 'all' },
  { path: '/users', title: '用户', access: 'all' },
  { path: '/users/:id', title: '用户详情', access: 'all' },
  { path: '/withdrawals', title: '提现管理', access: 'finance' },
  { path: '/settlements', title: '结算', access: 'finance' },
  { path: '/reconciliation', title: '对账', access: 'finance' },
  { path: '/ledger-audit', title: '账本校验', access: 'finance' },
  { path: '/robots', title: '机器人', access: 'all' },
  { path: '/distribution', title: '分配策略', access: 'all' },
  { path: '/groups', title: '群组', access: 'all' },
  { path: '/groups/:id', title: '群组详情', access: 'all' },
  { path: '/campaigns', title: '广告投放', access: 'all' },
  { path: '/sensitive-words', title: '敏感词', access: 'all' },
  { path: '/marquees', title: '走马灯', access: 'all' },
  { path: '/short-links', title: '短链接', access: 'all' },
  { path: '/maintenance', title: '维护模式', access: 'all' },
  { path: '/settings', title: '系统设置', access: 'all' },
  { path: '/audit-log', title: '操作日志', access: 'all' },
  { path: '/dead-letters', title: '死信', access: 'all' },
  { path: '/operators', title: '操作员', access: 'admin' },
  { path: '/password', title: '修改密码', access: 'all' },
]

/** Whether `role` may open a page of `access`. */
export function mayOpen(access: Access, role: Role | undefined): boolean {
  if (access === 'all') return true
  if (access === 'admin') return role === 'admin'
  return role === 'admin' || role === 'finance'
}

/** The browser tab's title of a page ("提现管理 · 群宠运营后台"; the app's name alone without one). */
export const documentTitle = (title?: string): string => (title ? `${title} · ${APP_NAME}` : APP_NAME)

/** What each role may do, as the operators page explains it. */
export const ROLE_HINTS: Record<Role, string> = {
  admin: '管理员：全部功能，并管理操作员账号',
  operator: '运营：修改用户、机器人、群组、内容、维护模式与普通设置；资金页面不可见',
  finance: '财务：审核提现（重试、驳回）、结算、对账、账本校验与资金设置；其他页面只可查看',
}
