import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  NETWORK_ERROR,
  cancelCampaign,
  changePassword,
  canFinance,
  canWrite,
  checkSensitiveText,
  exitGroup,
  exportWithdrawals,
  getMe,
  getReconciliation,
  isAdmin,
  isForbidden,
  listGroups,
  listOperators,
  listUsers,
  listWithdrawals,
  login,
  logout,
  onUnauthorized,
  putDistribution,
  putSettings,
  redriveDeadLetter,
  rejectWithdrawal,
  retryWithdrawal,
  runSettlement,
  unfreezeUser,
  updateRobot,
  withQuery,
} from './api'

function stubFetch(answer: { code: number; msg?: string; data?: unknown } | Error) {
  const fetchMock = vi.fn(async (_path: string, _init?: RequestInit) => {
    if (answer instanceof Error) throw answer
    return new Response(JSON.stringify({ msg: '', data: null, ...answer }))
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

afterEach(() => {
  vi.unstubAllGlobals()
})

const admin = { id: 1, username: 'admin', role: 'admin' }

describe('console api', () => {
  it('answers data of a 1200 envelope, sending the session cookie', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { ...admin, must_change_password: false } })
    await expect(getMe()).resolves.toEqual({ ...admin, must_change_password: false })
    expect(fetchMock).toHaveBeenCalledWith('/api/console/me', expect.objectContaining({ credentials: 'same-origin' }))
  })

  it('tells from me whether the operator must choose a new password', async () => {
    stubFetch({ code: 1200, data: { ...admin, must_change_password: true } })
    await expect(getMe()).resolves.toEqual({ ...admin, must_change_password: true })
    // A server that predates the flag.
    stubFetch({ code: 1200, data: admin })
    await expect(getMe()).resolves.toEqual({ ...admin, must_change_password: false })
  })

  it('logs in with a JSON body and answers the operator with the flag', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { token: 't', operator: admin, must_change_password: true } })
    await expect(login('admin', 'secret')).resolves.toEqual({ ...admin, must_change_password: true })
    const [path, init] = fetchMock.mock.calls[0]
    expect(path).toBe('/api/console/auth/login')
    expect(init).toMatchObject({ method: 'POST', body: '{"username":"admin","password":"secret"}' })
    stubFetch({ code: 1200, data: { token: 't', operator: admin } })
    await expect(login('admin', 'secret')).resolves.toEqual({ ...admin, must_change_password: false })
  })

  it('changes the own password, keeping the session', async () => {
    const listener = vi.fn()
    const off = onUnauthorized(listener)
    const fetchMock = stubFetch({ code: 1200, data: { ...admin, must_change_password: false } })
    await expect(changePassword('old-pass-1', 'new-pass-1')).resolves.toEqual({ ...admin, must_change_password: false })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/me/password')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({
      method: 'POST',
      body: '{"current_password":"old-pass-1","new_password":"new-pass-1"}',
    })
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ code: 1403, msg: '当前密码不正确', data: null }), { status: 400 })),
    )
    await expect(changePassword('nope-nope', 'new-pass-1')).rejects.toMatchObject({ code: 1403, message: '当前密码不正确' })
    off()
    expect(listener).not.toHaveBeenCalled()
  })

  it('reports a lost session to the listeners', async () => {
    const listener = vi.fn()
    const off = onUnauthorized(listener)
    stubFetch({ code: 1401, msg: '未登录' })
    await expect(getMe()).rejects.toMatchObject({ code: 1401, message: '未登录' })
    off()
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('keeps wrong credentials to the login form', async () => {
    const listener = vi.fn()
    const off = onUnauthorized(listener)
    stubFetch({ code: 1401, msg: '用户名或密码错误' })
    await expect(login('admin', 'nope')).rejects.toMatchObject({ code: 1401, message: '用户名或密码错误' })
    stubFetch({ code: 1401 })
    await expect(logout()).rejects.toMatchObject({ code: 1401 })
    off()
    expect(listener).not.toHaveBeenCalled()
  })

  it('turns a network failure into a friendly error', async () => {
    stubFetch(new TypeError('Failed to fetch'))
    await expect(getMe()).rejects.toMatchObject({ code: NETWORK_ERROR, message: '网络异常，请检查网络后重试' })
  })

  it('turns an answer that is not an envelope into a friendly error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Bad Gateway', { status: 502 })))
    await expect(getMe()).rejects.toMatchObject({ code: 1500 })
  })

  it('tells a role refusal (HTTP 403) from a lost session', async () => {
    const listener = vi.fn()
    const off = onUnauthorized(listener)
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ code: 1401, msg: '需要管理员权限', data: null }), { status: 403 })),
    )
    const refused = listOperators().catch((e: unknown) => e)
    await expect(refused).resolves.toMatchObject({ code: 1401, status: 403, message: '需要管理员权限' })
    expect(isForbidden(await refused)).toBe(true)
    off()
    expect(listener).not.toHaveBeenCalled()
  })

  it('sends list filters as a query string, leaving out the empty ones', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { items: [], total: 0, page: 1, page_size: 20 } })
    await listUsers({ q: '张伟', frozen: '', page: 2, page_size: 20 })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/users?q=%E5%BC%A0%E4%BC%9F&page=2&page_size=20')
  })

  it('answers the matched words of the 试一试 box', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { items: [], total: 0, page: 1, page_size: 1, check: { words: ['赌博'] } } })
    await expect(checkSensitiveText('赌博 a&b')).resolves.toEqual(['赌博'])
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/sensitive-words?text=%E8%B5%8C%E5%8D%9A+a%26b&page_size=1')
  })

  it('posts an empty JSON body to unfreeze', async () => {
    const fetchMock = stubFetch({ code: 1200, data: {} })
    await unfreezeUser(7)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/users/7/unfreeze')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'POST', body: '{}' })
  })
})

describe('robots and groups api', () => {
  const ok = () => stubFetch({ code: 1200, data: {} })

  it('filters groups by state, robot and owner', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { items: [], total: 0, page: 1, page_size: 20 } })
    await listGroups({ q: '', state: 'active', robot_id: '3', owner_id: '', page: 1, page_size: 20 })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/groups?state=active&robot_id=3&page=1&page_size=20')
  })

  it('forces an exit with its reason and redrives a dead letter', async () => {
    const fetchMock = ok()
    await exitGroup(12, '违规')
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/groups/12/exit')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'POST', body: '{"reason":"违规"}' })
    await redriveDeadLetter(5)
    expect(fetchMock.mock.calls[1][0]).toBe('/api/console/dead-letters/5/redrive')
    expect(fetchMock.mock.calls[1][1]).toMatchObject({ method: 'POST' })
  })

  it('puts robots and the strategy, and cancels a campaign with DELETE', async () => {
    const fetchMock = ok()
    await updateRobot(2, { capacity: 120 })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/robots/2')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'PUT', body: '{"capacity":120}' })
    await putDistribution({ releases: [{ at: '08:00', share_pct: 50 }], amount: 1, display_rate: 3 })
    expect(fetchMock.mock.calls[1][0]).toBe('/api/console/distribution')
    expect(fetchMock.mock.calls[1][1]).toMatchObject({ method: 'PUT' })
    await cancelCampaign(9)
    expect(fetchMock.mock.calls[2][0]).toBe('/api/console/campaigns/9')
    expect(fetchMock.mock.calls[2][1]).toMatchObject({ method: 'DELETE' })
  })
})

describe('withQuery', () => {
  it('drops empty values and keeps false and 0', () => {
    expect(withQuery('/x', {})).toBe('/x')
    expect(withQuery('/x', { a: '', b: undefined, c: null })).toBe('/x')
    expect(withQuery('/x', { frozen: false, n: 0 })).toBe('/x?frozen=false&n=0')
  })
})

describe('roles', () => {
  it('lets admin and operator write, finance only read; only admin manages operators', () => {
    expect(canWrite('admin')).toBe(true)
    expect(canWrite('operator')).toBe(true)
    expect(canWrite('finance')).toBe(false)
    expect(canWrite(undefined)).toBe(false)
    expect(isAdmin('admin')).toBe(true)
    expect(isAdmin('operator')).toBe(false)
  })

  it('lets admin and finance handle money', () => {
    expect(canFinance('admin')).toBe(true)
    expect(canFinance('finance')).toBe(true)
    expect(canFinance('operator')).toBe(false)
    expect(canFinance(undefined)).toBe(false)
  })
})

describe('money api', () => {
  const ok = () => stubFetch({ code: 1200, data: {} })

  it('filters withdrawals by state, day and user', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { items: [], total: 0, page: 1, page_size: 20 } })
    await listWithdrawals({ state: 'failed', day: '2026-11-25', user_id: '', page: 1, page_size: 20 })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/withdrawals?state=failed&day=2026-11-25&page=1&page_size=20')
  })

  it('retries, rejects with a reason and runs a settlement by POST', async () => {
    const fetchMock = ok()
    await retryWithdrawal(3)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/withdrawals/3/retry')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'POST' })
    await rejectWithdrawal(3, '账户异常')
    expect(fetchMock.mock.calls[1][0]).toBe('/api/console/withdrawals/3/reject')
    expect(fetchMock.mock.calls[1][1]).toMatchObject({ method: 'POST', body: '{"reason":"账户异常"}' })
    await runSettlement('2026-11-25')
    expect(fetchMock.mock.calls[2][0]).toBe('/api/console/settlements/2026-11-25/run')
    expect(fetchMock.mock.calls[2][1]).toMatchObject({ method: 'POST' })
    await getReconciliation('2026-11-25')
    expect(fetchMock.mock.calls[3][0]).toBe('/api/console/payouts/reconciliation/2026-11-25')
  })

  it('puts only the sections given', async () => {
    const fetchMock = ok()
    await putSettings({ money: { master_rate_bp: 1000 } as never })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/settings')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'PUT', body: '{"money":{"master_rate_bp":1000}}' })
  })

  it('downloads the CSV export with the same filters and the session', async () => {
    const csv = '\ufeffid,user_id\r\n1,2\r\n'
    const fetchMock = vi.fn(
      async (_path: string, _init?: RequestInit) =>
        new Response(csv, { headers: { 'content-type': 'text/csv; charset=utf-8' } }),
    )
    vi.stubGlobal('fetch', fetchMock)
    const blob = await exportWithdrawals({ state: 'success', day: '2026-11-25', user_id: '' })
    expect(await blob.text()).toContain('1,2')
    expect(fetchMock.mock.calls[0][0]).toBe('/api/console/withdrawals?state=success&day=2026-11-25&format=csv')
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ credentials: 'same-origin' })
  })

  it("throws the server's message when the export is refused", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ code: 1401, msg: '需要财务权限', data: null }), { status: 403 })),
    )
    await expect(exportWithdrawals({})).rejects.toMatchObject({ code: 1401, status: 403, message: '需要财务权限' })
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ code: 1403, msg: '日期格式不正确', data: null }), {
            status: 400,
            headers: { 'content-type': 'application/json' },
          }),
      ),
    )
    await expect(exportWithdrawals({ day: 'x' })).rejects.toMatchObject({ code: 1403, message: '日期格式不正确' })
    vi.stubGlobal('fetch', vi.fn(async () => new Response('Bad Gateway', { status: 502 })))
    await expect(exportWithdrawals({})).rejects.toMatchObject({ code: 1500 })
  })

  it('reports a lost session met by the export', async () => {
    const listener = vi.fn()
    const off = onUnauthorized(listener)
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ code: 1406, msg: '登录已过期', data: null }), { status: 401 })),
    )
    await expect(exportWithdrawals({})).rejects.toMatchObject({ code: 1406 })
    off()
    expect(listener).toHaveBeenCalledTimes(1)
  })
})
