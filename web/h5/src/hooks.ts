// Small hooks the pages share.
import { useCallback, useEffect, useRef, useState } from 'react'
import { type ApiError, type Page, sessionGone } from './api'
import { secondsLeft } from './lib/format'
import { mergePage } from './lib/paging'
import { documentTitle } from './lib/titles'

export type Loaded<T> = { data: T } | { error: ApiError } | null

/**
 * Runs `load` on mount and on `reload()`; answers null while loading. An answer that arrives
 * after a newer load started is dropped. `set` replaces the data (after a form's answer, say).
 */
export function useLoad<T>(load: () => Promise<T>) {
  const [state, setState] = useState<Loaded<T>>(null)
  const latest = useRef(0)
  const loadRef = useRef(load)
  loadRef.current = load

  const reload = useCallback(() => {
    const run = ++latest.current
    setState(null)
    loadRef.current().then(
      (data) => run === latest.current && setState({ data }),
      (error: ApiError) => run === latest.current && setState({ error }),
    )
  }, [])
  useEffect(() => {
    reload()
    // A load still running when the page goes away is dropped.
    return () => {
      latest.current++
    }
  }, [reload])

  const set = useCallback((data: T) => {
    latest.current++
    setState({ data })
  }, [])
  return { state, reload, set }
}

/**
 * A countdown in whole seconds: `start(secs)` starts it; it answers the seconds left (0 when
 * idle), ticking while it runs.
 */
export function useCountdown(): [number, (secs: number) => void] {
  const [deadline, setDeadline] = useState(0)
  const [now, setNow] = useState(() => Date.now())

  useEffect(() => {
    if (deadline <= Date.now()) return
    const timer = setInterval(() => {
      const t = Date.now()
      setNow(t)
      if (t >= deadline) clearInterval(timer)
    }, 250)
    return () => clearInterval(timer)
  }, [deadline])

  const start = useCallback((secs: number) => {
    const t = Date.now()
    setNow(t)
    setDeadline(t + Math.max(0, secs) * 1000)
  }, [])
  return [secondsLeft(deadline, now), start]
}

/** `value`, once it has stopped changing for `ms` milliseconds. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

export interface Pages<T> {
  items: T[]
  /** Whether a first answer came (an empty list is then really empty). */
  loaded: boolean
  more: boolean
  loading: boolean
  /** Why the last page did not load; '' when it did. */
  error: string
  /** Loads the next page, or the page that failed. */
  loadMore: () => void
}

/** A list loaded a page of `size` rows at a time, the first on mount. */
export function usePages<T extends { id: number }>(
  load: (page: number, size: number) => Promise<Page<T>>,
  size = 20,
): Pages<T> {
  const [list, setList] = useState({
    items: [] as T[],
    page: 0,
    loaded: false,
    more: false,
    loading: true,
    error: '',
    failedPage: 0,
  })
  const loadRef = useRef(load)
  loadRef.current = load
  const alive = useRef(true)

  const loadPage = useCallback(
    (page: number) => {
      setList((l) => ({ ...l, loading: true, error: '' }))
      loadRef.current(page, size).then(
        (answer) => {
          if (!alive.current) return
          setList((l) => ({ ...mergePage(l.items, answer, page), page, loaded: true, loading: false, error: '', failedPage: 0 }))
        },
        (e: unknown) => {
          if (!alive.current || sessionGone(e)) return
          const error = e instanceof Error && e.message ? e.message : '加载失败，请稍后再试'
          setList((l) => ({ ...l, loading: false, error, failedPage: page }))
        },
      )
    },
    [size],
  )
  useEffect(() => {
    alive.current = true
    loadPage(1)
    return () => {
      alive.current = false
    }
  }, [loadPage])

  const next = list.failedPage || list.page + 1
  const loadMore = useCallback(() => loadPage(next), [loadPage, next])
  return { items: list.items, loaded: list.loaded, more: list.more, loading: list.loading, error: list.error, loadMore }
}

/**
 * While `active`, asks `poll` again `ms` after each answer (never two at once; not while the
 * page is hidden) and hands each answer to `onValue`. Stops when the session is gone.
 */
export function usePoll<T>(poll: () => Promise<T>, onValue: (value: T) => void, ms: number, active: boolean) {
  const pollRef = useRef(poll)
  pollRef.current = poll
  const onValueRef = useRef(onValue)
  onValueRef.current = onValue

  useEffect(() => {
    if (!active) return
    let stopped = false
    let timer: ReturnType<typeof setTimeout>
    const next = () => {
      timer = setTimeout(async () => {
        if (typeof document !== 'undefined' && document.hidden) return next()
        try {
          const value = await pollRef.current()
          if (!stopped) onValueRef.current(value)
        } catch (e) {
          if (sessionGone(e)) return
        }
        if (!stopped) next()
      }, ms)
    }
    next()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [active, ms])
}

/** Names the page in the browser's title ("萌宠一群 · 群宠") while it is shown, over the app's default. */
export function useTitle(name: string | null | undefined) {
  useEffect(() => {
    if (name) document.title = documentTitle(name)
  }, [name])
}
