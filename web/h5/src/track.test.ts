import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flush, installTracking, resetTracking, track, type TrackEvent } from './track'

const fetchMock = vi.fn(async (_path: string, _init?: RequestInit) => new Response('{"code":1200}'))
const sendBeacon = vi.fn((_url: string, _data: Blob) => true)
const doc = new EventTarget() as EventTarget & { visibilityState: string }

/** The event batches posted with fetch so far. */
const posted = () =>
  fetchMock.mock.calls.map(([path, init]) => {
    expect(path).toBe('/api/track')
    return (JSON.parse(init?.body as string) as { events: TrackEvent[] }).events
  })

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-02T03:04:05Z') })
  fetchMock.mockClear()
  sendBeacon.mockClear()
  doc.visibilityState = 'visible'
  vi.stubGlobal('fetch', fetchMock)
  vi.stubGlobal('window', { location: { pathname: '/groups' } })
  vi.stubGlobal('navigator', { sendBeacon })
  vi.stubGlobal('document', doc)
})
afterEach(() => {
  resetTracking()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('track', () => {
  it('records name, page, props and time', () => {
    track('page_view', { search: '?invite=AB' })
    flush()
    expect(posted()).toEqual([
      [{ name: 'page_view', page: '/groups', props: { search: '?invite=AB' }, ts: '2026-01-02T03:04:05.000Z' }],
    ])
    expect(fetchMock.mock.calls[0][1]).toMatchObject({ method: 'POST', credentials: 'same-origin', keepalive: true })
  })

  it('sends a batch 2 s after the first queued event', () => {
    track('a')
    vi.advanceTimersByTime(1000)
    track('b')
    track('c')
    vi.advanceTimersByTime(999)
    expect(fetchMock).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(posted().map((batch) => batch.map((e) => e.name))).toEqual([['a', 'b', 'c']])
    vi.advanceTimersByTime(10_000)
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('sends at once when 20 events are queued', () => {
    for (let i = 0; i < 19; i++) track('click')
    expect(fetchMock).not.toHaveBeenCalled()
    track('click')
    expect(posted().map((batch) => batch.length)).toEqual([20])
    vi.advanceTimersByTime(5000)
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('keeps events through a network failure and sends them later in batches of at most 50', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('offline'))
    for (let i = 0; i < 20; i++) track('click')
    await vi.advanceTimersByTimeAsync(0)
    // Backing off: new events wait for the timer instead of retrying one by one.
    for (let i = 0; i < 40; i++) track('click')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(posted().slice(1).map((batch) => batch.length)).toEqual([50, 10])
  })

  it('sends the queue with a beacon when the page is hidden', async () => {
    const uninstall = installTracking()
    track('page_view')
    track('click', { button: 'logout' })
    doc.visibilityState = 'hidden'
    doc.dispatchEvent(new Event('visibilitychange'))
    uninstall()
    expect(fetchMock).not.toHaveBeenCalled()
    expect(sendBeacon).toHaveBeenCalledTimes(1)
    const [url, blob] = sendBeacon.mock.calls[0]
    expect(url).toBe('/api/track')
    expect(blob.type).toBe('application/json')
    const body = JSON.parse(await blob.text()) as { events: TrackEvent[] }
    expect(body.events.map((e) => e.name)).toEqual(['page_view', 'click'])
    // Nothing left for the timer.
    vi.advanceTimersByTime(5000)
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('falls back to fetch when the browser refuses the beacon', () => {
    sendBeacon.mockReturnValueOnce(false)
    const uninstall = installTracking()
    track('page_view')
    doc.visibilityState = 'hidden'
    doc.dispatchEvent(new Event('visibilitychange'))
    uninstall()
    expect(posted()).toHaveLength(1)
  })
})
