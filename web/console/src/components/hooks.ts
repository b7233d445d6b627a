import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react'
import { useSearchParams } from 'react-router-dom'
import { ApiError } from '../api'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
  setData: (data: T) => void
}

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(1500, e instanceof Error ? e.message : String(e))

/**
 * Loads `load()` now and whenever `deps` change (or `reload` is called); the previous data
 * stays shown while the next load runs, and an answer that arrives late is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [loading, setLoading] = useState(true)
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load

  useEffect(() => {
    let current = true
    setLoading(true)
    setError(undefined)
    loadRef.current().then(
      (answer) => {
        if (!current) return
        setData(answer)
        setLoading(false)
      },
      (e: unknown) => {
        if (!current) return
        setError(asApiError(e))
        setLoading(false)
      },
    )
    return () => {
      current = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data, error, loading, reload, setData }
}

/**
 * A list's filters and page kept in the address bar (so back and reload keep them): `values`
 * has each key of `defaults` as a string; `update` merges a patch (empty values dropped).
 */
export function useQueryState<K extends string>(
  defaults: Record<K, string>,
): [Record<K, string>, (patch: Partial<Record<K, string>>) => void] {
  const [params, setParams] = useSearchParams()
  const values = {} as Record<K, string>
  for (const key of Object.keys(defaults) as K[]) values[key] = params.get(key) ?? defaults[key]
  const update = useCallback(
    (patch: Partial<Record<K, string>>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev)
        for (const [key, value] of Object.entries(patch) as Array<[K, string | undefined]>) {
          if (value === undefined || value === '' || value === defaults[key]) next.delete(key)
          else next.set(key, value)
        }
        return next
      })
    },
    // The defaults are constants of each page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [setParams],
  )
  return [values, update]
}
