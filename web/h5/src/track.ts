// Tracking events (埋点) for BI: queued in memory, sent in batches to POST /api/track.

export interface TrackEvent {
  name: string
  page: string
  props?: Record<string, unknown>
  ts: string
}

const ENDPOINT = '/api/track'
const FLUSH_INTERVAL_MS = 2000
const FLUSH_AT = 20
const MAX_BATCH = 50
/** Events kept while the network is down; the oldest go first. */
const MAX_QUEUED = 500

const queue: TrackEvent[] = []
let timer: ReturnType<typeof setTimeout> | undefined
/** After a failed send, wait for the timer instead of retrying at every new event. */
let backingOff = false

export function track(name: string, props?: Record<string, unknown>): void {
  queue.push({ name, page: window.location.pathname, props, ts: new Date().toISOString() })
  if (queue.length > MAX_QUEUED) queue.splice(0, queue.length - MAX_QUEUED)
  if (queue.length >= FLUSH_AT && !backingOff) flush()
  else schedule()
}

function schedule(): void {
  timer ??= setTimeout(flush, FLUSH_INTERVAL_MS)
}

function takeBatches(): TrackEvent[][] {
  clearTimeout(timer)
  timer = undefined
  const batches: TrackEvent[][] = []
  while (queue.length) batches.push(queue.splice(0, MAX_BATCH))
  return batches
}

function post(batch: TrackEvent[]): void {
  fetch(ENDPOINT, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ events: batch }),
    keepalive: true,
  }).catch(() => {
    // Network failure: keep the events for the next round. A server refusal is not retried.
    queue.unshift(...batch)
    if (queue.length > MAX_QUEUED) queue.splice(0, queue.length - MAX_QUEUED)
    backingOff = true
    schedule()
  })
}

/** Sends everything queued now, in batches of at most 50 events. */
export function flush(): void {
  backingOff = false
  takeBatches().forEach(post)
}

/** For a page being hidden or closed: the browser delivers beacons even after unload. */
function flushWithBeacon(): void {
  for (const batch of takeBatches()) {
    const blob = new Blob([JSON.stringify({ events: batch })], { type: 'application/json' })
    if (!navigator.sendBeacon?.(ENDPOINT, blob)) post(batch)
  }
}

/** Installs the page-hide flush; returns the function that removes it. */
export function installTracking(): () => void {
  const onVisibilityChange = () => {
    if (document.visibilityState === 'hidden') flushWithBeacon()
  }
  document.addEventListener('visibilitychange', onVisibilityChange)
  return () => document.removeEventListener('visibilitychange', onVisibilityChange)
}

/** Forgets queued events and timers (for tests). */
export function resetTracking(): void {
  takeBatches()
  backingOff = false
}
