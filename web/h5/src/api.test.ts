import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  NETWORK_ERROR,
  addKeyword,
  api,
  assignRobots,
  cancelBroadcast,
  classify,
  createBroadcast,
  createWithdrawal,
  getAccount,
  getFlows,
  getWithdrawal,
  getWithdrawals,
  deleteKeyword,
  getBroadcasts,
  getGroup,
  getGroups,
  getKeywords,
  leaveGroup,
  previewBroadcast,
  getHome,
  getMe,
  loginUrl,
  logout,
  onMaintenance,
  sensitiveWords,
  startLogin,
} from './api'

type Answer = { code: number; msg?: string; data?: unknown } | Error

/** Stubs fetch with answers given in order; records each call's method and path. */
function stubFetch(...answers: Answer[]) {
  const fetchMock = vi.fn(async (_path: string, _init?: RequestInit) => {
    const answer = answers.shift()
    if (!answer) throw new Error('unexpected fetch')
    if (answer instanceof Error) throw answer
    return new Response(JSON.stringify({ msg: '', data: null, ...answer }))
  })
  vi.stubGlobal('fetch', fetchMock)
  return () => fetchMock.mock.calls.map(([path, init]) => `${init?.method ?? 'GET'} ${path}`)
}

function stubWindow(pathname = '/', search = '') {
  const store = new Map<string, string>()
  const assign = vi.fn()
  vi.stubGlobal('window', {
    location: { pathname, search, assign },
    sessionStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  })
  return assign
}

let assign: ReturnType<typeof stubWindow>
beforeEach(() => {
  assign = stubWindow()
})
afterEach(() => {
  vi.unstubAllGlobals()
})

const me = { id: 7, nickname: '小明', invite_code: 'AB12CD' }

describe('api', () => {
  it('answers data of a 1200 envelope, sending the session cookie', async () => {
    const calls = stubFetch({ code: 1200, data: me })
    await expect(getMe()).resolves.toEqual(me)
    expect(calls()).toEqual(['GET /api/me'])
    expect(vi.mocked(fetch).mock.calls[0][1]?.credentials).toBe('same-origin')
  })

  it('sends JSON bodies', async () => {
    stubFetch({ code: 1200, data: { ok: true } })
    await api('/api/me/phone', { method: 'POST', body: { phone: '13800000000' } })
    const init = vi.mocked(fetch).mock.calls[0][1]
    expect(init?.body).toBe('{"phone":"13800000000"}')
    expect(init?.headers).toEqual({ 'Content-Type': 'application/json' })
  })

  it('throws the server code and message of other envelopes', async () => {
    stubFetch({ code: 1403, msg: '参数错误' })
    await expect(api('/api/me/phone', { method: 'POST', body: {} })).rejects.toMatchObject({
      code: 1403,
      message: '参数错误',
    })
    expect(assign).not.toHaveBeenCalled()
  })

  it('on 1406 refreshes the token once and retries the request', async () => {
    const calls = stubFetch({ code: 1406, msg: 'token expired' }, { code: 1200, data: {} }, { code: 1200, data: me })
    await expect(getMe()).resolves.toEqual(me)
    expect(calls()).toEqual(['GET /api/me', 'POST /api/auth/refresh', 'GET /api/me'])
    expect(assign).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent expired requests', async () => {
    const calls = stubFetch(
      { code: 1406 },
      { code: 1406 },
      { code: 1200, data: {} },
      { code: 1200, data: 1 },
      { code: 1200, data: 2 },
    )
    await expect(Promise.all([api('/api/a'), api('/api/b')])).resolves.toEqual([1, 2])
    expect(calls().filter((c) => c === 'POST /api/auth/refresh')).toHaveLength(1)
  })

  it('goes to WeChat login, back to the current page, when the refresh fails', async () => {
    assign = stubWindow('/groups', '?invite=XY99')
    const calls = stubFetch({ code: 1406 }, { code: 1401, msg: '未登录' })
    await expect(getMe()).rejects.toMatchObject({ code: 1401 })
    expect(calls()).toEqual(['GET /api/me', 'POST /api/auth/refresh'])
    expect(assign).toHaveBeenCalledWith('/api/auth/wechat/authorize?redirect=%2Fgroups%3Finvite%3DXY99&invite=XY99')
  })

  it('goes to WeChat login on 1401', async () => {
    stubFetch({ code: 1401, msg: '未登录' })
    await expect(getMe()).rejects.toBeInstanceOf(ApiError)
    expect(assign).toHaveBeenCalledWith(loginUrl('/'))
  })

  it('turns a network failure into a friendly error', async () => {
    stubFetch(new TypeError('Failed to fetch'))
    await expect(getMe()).rejects.toMatchObject({ code: NETWORK_ERROR, message: '网络异常，请检查网络后重试' })
    expect(assign).not.toHaveBeenCalled()
  })

  it('turns an answer that is not an envelope into a friendly error', async () => {
    const listener = vi.fn()
    const off = onMaintenance(listener)
    for (const status of [200, 403, 404, 500]) {
      vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>error</html>', { status })))
      await expect(getMe()).rejects.toMatchObject({ code: 1500, message: '服务暂时不可用，请稍后再试' })
    }
    off()
    expect(listener).not.toHaveBeenCalled()
  })

  it('tells the maintenance listeners about 1503', async () => {
    const listener = vi.fn()
    const off = onMaintenance(listener)
    stubFetch({ code: 1503, msg: '系统升级中，预计 10:00 恢复' })
    await expect(getMe()).rejects.toMatchObject({ code: 1503 })
    off()
    expect(listener).toHaveBeenCalledWith('系统升级中，预计 10:00 恢复')
  })

  it("prefers the operator's message in data.message", async () => {
    const listener = vi.fn()
    const off = onMaintenance(listener)
    stubFetch({ code: 1503, msg: '系统维护中', data: { message: ' 系统升级中，预计 10 分钟 ' } })
    await expect(getMe()).rejects.toMatchObject({ code: 1503 })
    off()
    expect(listener).toHaveBeenCalledWith('系统升级中，预计 10 分钟')
  })

  it('keeps the data of error answers (the words of a 2003)', async () => {
    stubFetch({ code: 2003, msg: '包含敏感词', data: { words: ['赌博', 7] } })
    const error = await api('/api/me/identity', { method: 'POST', body: {} }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 2003 })
    expect(sensitiveWords(error)).toEqual(['赌博'])
    expect(sensitiveWords(new ApiError(2003, 'x'))).toEqual([])
  })

  it('never starts a login for the home extras', async () => {
    stubFetch({ code: 1401, msg: '未登录' })
    await expect(getHome()).rejects.toMatchObject({ code: 1401 })
    expect(assign).not.toHaveBeenCalled()
  })

})

describe('when the API is down', () => {
  /** Stubs fetch with one answer (`body` as is, JSON unless a string) of HTTP `status`. */
  const answer = (status: number, body: unknown) =>
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })),
    )

  /** What getMe() throws, and the messages the maintenance listeners were told meanwhile. */
  async function outcome() {
    const told: string[] = []
    const off = onMaintenance((msg) => told.push(msg))
    const error = await getMe().then(
      () => null,
      (e: unknown) => e,
    )
    off()
    return { error, told }
  }

  it('shows maintenance for an envelope of 1503, whatever its status', async () => {
    for (const status of [503, 200]) {
      answer(status, { code: 1503, msg: '系统升级中', data: null })
      const { error, told } = await outcome()
      expect(error).toMatchObject({ code: 1503, message: '系统升级中' })
      expect(told).toEqual(['系统升级中'])
    }
  })

  it("shows maintenance for API Gateway's own 502, 503 and 504 (no envelope)", async () => {
    for (const [status, body] of [
      [502, '{"message":"Internal Server Error"}'],
      [503, '{"message":"Service Unavailable"}'],
      [504, '{"message":"Endpoint request timed out"}'],
      [503, ''],
      [504, '<html>504 Gateway Timeout</html>'],
    ] as const) {
      answer(status, body)
      const { error, told } = await outcome()
      expect(error, `HTTP ${status} ${body}`).toMatchObject({ code: 1503 })
      expect(told).toEqual(['系统维护中，请稍后再试'])
    }
  })

  it("gives a 502 carrying our envelope of another code that code's message, not maintenance", async () => {
    answer(502, { code: 1500, msg: '服务内部错误', data: null })
    const { error, told } = await outcome()
    expect(error).toMatchObject({ code: 1500, message: '服务内部错误' })
    expect(told).toEqual([])
    answer(504, { code: 1601, msg: '机器人平台暂时不可用', data: null })
    expect(await outcome()).toMatchObject({ error: { code: 1601, message: '机器人平台暂时不可用' }, told: [] })
  })

  it('is a network error, not maintenance, when fetch itself fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const { error, told } = await outcome()
    expect(error).toMatchObject({ code: NETWORK_ERROR, message: '网络异常，请检查网络后重试' })
    expect(told).toEqual([])
    expect(assign).not.toHaveBeenCalled()
  })

  it('classifies an answer by its envelope first, then its status', () => {
    const env = { code: 1403, msg: '参数错误', data: null }
    expect(classify(502, env)).toBe(env)
    expect(classify(503, null)).toMatchObject({ code: 1503 })
    expect(classify(500, null)).toBeNull()
    expect(classify(200, null)).toBeNull()
  })
})

describe('logout', () => {
  it('posts the logout', async () => {
    const calls = stubFetch({ code: 1200 })
    await logout()
    expect(calls()).toEqual(['POST /api/auth/logout'])
  })

  it('counts a session already gone as logged out, without a login redirect', async () => {
    stubFetch({ code: 1401 })
    await expect(logout()).resolves.toBeUndefined()
    expect(assign).not.toHaveBeenCalled()
  })
})

describe('startLogin', () => {
  it('never sends the login page back to itself', () => {
    assign = stubWindow('/login', '?error=2501&msg=x')
    startLogin()
    expect(assign).toHaveBeenCalledWith('/api/auth/wechat/authorize?redirect=%2F')
  })

  it('stops on the login page after repeated automatic logins, until a person retries', () => {
    for (let i = 0; i < 4; i++) startLogin()
    expect(assign).toHaveBeenCalledTimes(4)
    expect(assign.mock.calls[2][0]).toBe(loginUrl('/'))
    expect(assign.mock.calls[3][0]).toMatch(/^\/login\?error=1401&msg=/)
    startLogin('/', true)
    expect(assign.mock.lastCall?.[0]).toBe(loginUrl('/'))
  })
})

describe('robots, groups, keywords and mass messages', () => {
  it('calls each endpoint with its method and path', async () => {
    const calls = stubFetch(...Array.from({ length: 12 }, () => ({ code: 1200, data: {} })))
    await assignRobots()
    await getGroups()
    await getGroup(7)
    await leaveGroup(7)
    await getKeywords()
    await getKeywords(7)
    await getKeywords(null, 2, 20)
    await deleteKeyword(3)
    await previewBroadcast({ kind: 'text', text: 'hi' })
    await getBroadcasts(2, 10)
    await cancelBroadcast(5)
    await addKeyword({ group_id: null, keyword: '价格', reply: '9.9' })
    expect(calls()).toEqual([
      'POST /api/robots/assign',
      'GET /api/groups',
      'GET /api/groups/7',
      'DELETE /api/groups/7',
      'GET /api/keywords',
      'GET /api/keywords?group_id=7',
      'GET /api/keywords?page=2&page_size=20',
      'DELETE /api/keywords/3',
      'POST /api/broadcasts/preview',
      'GET /api/broadcasts?page=2&page_size=10',
      'DELETE /api/broadcasts/5',
      'POST /api/keywords',
    ])
  })

  it('sends a keyword for all groups with group_id null', async () => {
    stubFetch({ code: 1200, data: {} })
    await addKeyword({ group_id: null, keyword: '价格', reply: '9.9' })
    expect(JSON.parse(vi.mocked(fetch).mock.calls[0][1]?.body as string)).toEqual({
      group_id: null,
      keyword: '价格',
      reply: '9.9',
    })
  })

  it('sends a task now without send_at, or at a time', async () => {
    stubFetch({ code: 1200, data: {} }, { code: 1200, data: {} })
    const content = { kind: 'text' as const, text: 'a\nb' }
    await createBroadcast({ content, group_ids: [1, 2] })
    await createBroadcast({ content, group_ids: [1], send_at: '2026-11-26T20:30:00+08:00' })
    const bodies = vi.mocked(fetch).mock.calls.map(([, init]) => JSON.parse(init?.body as string))
    expect(bodies[0]).toEqual({ content, group_ids: [1, 2] })
    expect(bodies[1]).toEqual({ content, group_ids: [1], send_at: '2026-11-26T20:30:00+08:00' })
  })
})

describe('money', () => {
  it('calls each endpoint with its method and path', async () => {
    const calls = stubFetch(...Array.from({ length: 6 }, () => ({ code: 1200, data: {} })))
    await getAccount()
    await getFlows()
    await getFlows(3, 10)
    await getWithdrawals(2)
    await getWithdrawal(42)
    await createWithdrawal(1234)
    expect(calls()).toEqual([
      'GET /api/account',
      'GET /api/account/flows?page=1&page_size=20',
      'GET /api/account/flows?page=3&page_size=10',
      'GET /api/withdrawals?page=2&page_size=20',
      'GET /api/withdrawals/42',
      'POST /api/withdrawals',
    ])
    expect(JSON.parse(vi.mocked(fetch).mock.calls[5][1]?.body as string)).toEqual({ amount_fen: 1234 })
  })

  it("throws a refused withdrawal's code and message", async () => {
    stubFetch({ code: 3003, msg: '今日已提现' })
    await expect(createWithdrawal(100)).rejects.toMatchObject({ code: 3003, message: '今日已提现' })
    expect(assign).not.toHaveBeenCalled()
  })
})
