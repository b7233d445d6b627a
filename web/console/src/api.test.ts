import { afterEach, describe, expect, it, vi } from 'vitest'
import { NETWORK_ERROR, getMe, login, logout, onUnauthorized } from './api'

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
    const fetchMock = stubFetch({ code: 1200, data: admin })
    await expect(getMe()).resolves.toEqual(admin)
    expect(fetchMock).toHaveBeenCalledWith('/api/console/me', expect.objectContaining({ credentials: 'same-origin' }))
  })

  it('logs in with a JSON body and answers the operator', async () => {
    const fetchMock = stubFetch({ code: 1200, data: { token: 't', operator: admin } })
    await expect(login('admin', 'secret')).resolves.toEqual(admin)
    const [path, init] = fetchMock.mock.calls[0]
    expect(path).toBe('/api/console/auth/login')
    expect(init).toMatchObject({ method: 'POST', body: '{"username":"admin","password":"secret"}' })
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
})
