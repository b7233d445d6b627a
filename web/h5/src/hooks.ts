// Small hooks the pages share.
import { useCallback, useEffect, useRef, useState } from 'react'
import type { ApiError } from './api'
import { secondsLeft } from './format'
import { copyText } from './widgets'

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

/** How the last copy went, said for a few seconds: '' (nothing to say), 'ok' or 'failed'. */
export type Copied = '' | 'ok' | 'failed'

const COPIED_MS = 3000

/** Copies text to the clipboard (`copy(text)`) and answers how it went, for COPIED_MS. */
export function useCopy(): [Copied, (text: string) => Promise<void>] {
  const [copied, setCopied] = useState<Copied>('')
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])

  const copy = useCallback(async (text: string) => {
    const ok = await copyText(text)
    setCopied(ok ? 'ok' : 'failed')
    clearTimeout(timer.current)
    timer.current = setTimeout(() => setCopied(''), COPIED_MS)
  }, [])
  return [copied, copy]
}
