import { useCallback, useEffect, useRef, useState, type DependencyList, type ReactNode } from 'react'
import { useSearchParams } from 'react-router-dom'
import { ApiError, getDashboard, type Page } from '../api'
import { chinaToday, isDay } from '../lib/dates'
import { DEFAULT_PAGE_SIZE, parsePage } from '../lib/paging'
import { useToast } from './toast'
import { App as AntApp } from 'antd'

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

/**
 * A copy of `values` that a form edits, put back to `values` whenever they change (the address
 * bar moving on back / forward, or a filter applied elsewhere).
 */
export function useDraft<T extends Record<string, string>>(values: T): [T, (patch: Partial<T>) => void] {
  const key = JSON.stringify(values)
  const [state, setState] = useState({ key, draft: values })
  let current = state
  if (state.key !== key) {
    current = { key, draft: values }
    setState(current)
  }
  const update = useCallback(
    (patch: Partial<T>) => setState((prev) => ({ ...prev, draft: { ...prev.draft, ...patch } })),
    [],
  )
  return [current.draft, update]
}

export interface FilterForm<T> {
  /** The form's copy of the filters. */
  draft: T
  setDraft: (patch: Partial<T>) => void
  /** What is wrong with the filters last applied ('' when nothing). */
  problem: string
  /** Applies `next` when it is well formed, else shows what is wrong. */
  apply: (next: T) => void
  /** Changes the draft and applies it at once (a select's choice). */
  pick: (patch: Partial<T>) => void
  /** Clears every filter; undefined while none is on. */
  clear: (() => void) | undefined
}

/**
 * A list's filter form on `filters` (from the address bar, which the draft follows): `parse`
 * answers the filters to apply, or what is wrong with the form.
 */
export function useFilterForm<T extends Record<string, string>>(
  filters: T,
  defaults: T,
  parse: (form: T) => { filters: T } | { error: string },
  onApply: (filters: T) => void,
): FilterForm<T> {
  const [draft, setDraft] = useDraft(filters)
  const [problem, setProblem] = useState('')
  const apply = (next: T) => {
    const parsed = parse(next)
    setProblem('error' in parsed ? parsed.error : '')
    if ('filters' in parsed) onApply(parsed.filters)
  }
  const pick = (patch: Partial<T>) => {
    setDraft(patch)
    apply({ ...draft, ...patch })
  }
  const clear = () => {
    setProblem('')
    onApply(defaults)
  }
  return { draft, setDraft, problem, apply, pick, clear: Object.values(filters).some(Boolean) ? clear : undefined }
}

/** What <Pager> needs. */
export interface PagerProps {
  page: number
  pageSize: number
  total: number
  onChange: (page: number) => void
}

export interface PagedList<K extends string, T> extends Loaded<Page<T>> {
  /** The filters from the address bar (each key of the defaults but `page`). */
  filters: Record<K, string>
  page: number
  /** Applies filters from page 1. */
  filter: (patch: Partial<Record<K, string>>) => void
  /** Changes filters and page as given (e.g. back a page after deleting a page's last item). */
  setQuery: (patch: Partial<Record<K | 'page', string>>) => void
  /** The props of the list's <Pager>, once a page has arrived. */
  pager: PagerProps | null
}

/**
 * A paged list whose filters and page live in the address bar: loads
 * `load(filters, {page, page_size})` now and whenever a filter or the page changes.
 */
export function usePagedList<K extends string, T>(
  defaults: Record<K, string>,
  load: (filters: Record<K, string>, paging: { page: number; page_size: number }) => Promise<Page<T>>,
): PagedList<K, T> {
  const [query, setQuery] = useQueryState<K | 'page'>({ ...defaults, page: '1' } as Record<K | 'page', string>)
  const page = parsePage(query.page)
  const filters = {} as Record<K, string>
  for (const key of Object.keys(defaults) as K[]) filters[key] = query[key]
  const loaded = useLoad(
    () => load(filters, { page, page_size: DEFAULT_PAGE_SIZE }),
    [...Object.values<string>(filters), page],
  )
  const filter = useCallback(
    (patch: Partial<Record<K, string>>) => setQuery({ ...patch, page: '1' } as Partial<Record<K | 'page', string>>),
    [setQuery],
  )
  const goTo = useCallback((p: number) => setQuery({ page: String(p) } as Partial<Record<K | 'page', string>>), [setQuery])
  const data = loaded.data
  const pager = data
    ? { page: data.page || page, pageSize: data.page_size || DEFAULT_PAGE_SIZE, total: data.total, onChange: goTo }
    : null
  return { ...loaded, filters, page, filter, setQuery, pager }
}

export interface Editing<T> {
  /** What the dialog edits (`item` null: a new one), or null while it is closed. */
  open: { item: T | null } | null
  /** Opens the dialog on `item`, or on a new one (null). */
  edit: (item: T | null) => void
  /** The dialog's props: onClose closes it; onSaved closes it and calls the hook's `onSaved`. */
  dialog: { onClose: () => void; onSaved: () => void }
}

/** A list's dialog that creates or edits an item; `onSaved` (the list's reload, say) after a save. */
export function useEditing<T>(onSaved: () => void): Editing<T> {
  const [open, setOpen] = useState<{ item: T | null } | null>(null)
  const edit = useCallback((item: T | null) => setOpen({ item }), [])
  const onClose = () => setOpen(null)
  return {
    open,
    edit,
    dialog: {
      onClose,
      onSaved: () => {
        setOpen(null)
        onSaved()
      },
    },
  }
}

export interface SubmitOptions<T> {
  /** The toast once sent, or what makes it of the answer. */
  done: string | ((answer: T) => string)
  /** The problem shown when a refusal has no message. */
  failed?: string
  /** What follows (the dialog closed, the list reloaded…). */
  then?: (answer: T) => void
}

export interface Submit {
  /** What is wrong with the form ('' when nothing): the form's own check, or the server's refusal. */
  problem: string
  setProblem: (problem: string) => void
  /** While `submit` waits for the server. */
  busy: boolean
  /**
   * Sends (`busy` meanwhile); then toasts `done` and calls `then` with the answer; or, refused,
   * shows and toasts the server's message (`failed` when it has none).
   */
  submit: <T>(send: () => Promise<T>, options: SubmitOptions<T>) => Promise<void>
}

/** A form that writes: its problem, whether it is busy, and the sending with its toasts. */
export function useSubmit(): Submit {
  const toast = useToast()
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = useCallback(
    async <T>(send: () => Promise<T>, { done, failed = '保存失败', then }: SubmitOptions<T>) => {
      setBusy(true)
      try {
        const answer = await send()
        toast.success(typeof done === 'function' ? done(answer) : done)
        then?.(answer)
      } catch (e) {
        setProblem((e as ApiError).message || failed)
        toast.error((e as ApiError).message)
      } finally {
        setBusy(false)
      }
    },
    [toast],
  )
  return { problem, setProblem, busy, submit }
}

/**
 * Today by the business clock (which a local setup can move): the last day of the dashboard's
 * default range; China's day by this computer's clock if that cannot be had. Undefined until
 * known.
 */
export function useBusinessToday(): string | undefined {
  const [today, setToday] = useState<string | undefined>(undefined)
  useEffect(() => {
    let current = true
    getDashboard().then(
      ({ to }) => current && setToday(isDay(to) ? to : chinaToday()),
      () => current && setToday(chinaToday()),
    )
    return () => {
      current = false
    }
  }, [])
  return today
}

// ---- On antd (issue 15): the same helpers with antd's message and Modal.confirm ----

/** An antd Table's `pagination` for a paged list's pager (false until a page has arrived). */
export function tablePaging(pager: PagerProps | null) {
  if (!pager) return false as const
  return {
    current: pager.page,
    pageSize: pager.pageSize,
    total: pager.total,
    showSizeChanger: false,
    showTotal: (total: number) => `共 ${total} 条`,
    onChange: (page: number) => pager.onChange(page),
  }
}

export interface AskOptions {
  title: string
  content: ReactNode
  okText: string
  danger?: boolean
}

export interface AntAction<Id> {
  /** The id of the item whose action runs, or null. */
  busyId: Id | null
  /** Asks (antd Modal.confirm, when `confirm` is given), runs `act`, then `message`s the result. */
  run: (
    id: Id,
    options: { confirm?: AskOptions; act: () => Promise<unknown>; done: string; then: () => void },
  ) => Promise<void>
}

/** The actions on a list's items, asked with antd's Modal.confirm and answered with its message. */
export function useAntAction<Id>(): AntAction<Id> {
  const { modal, message } = AntApp.useApp()
  const [busyId, setBusyId] = useState<Id | null>(null)
  const run: AntAction<Id>['run'] = async (id, { confirm: ask, act, done, then }) => {
    if (ask) {
      const ok = await modal.confirm({
        title: ask.title,
        content: ask.content,
        okText: ask.okText,
        cancelText: '取消',
        okButtonProps: { danger: ask.danger },
      })
      if (!ok) return
    }
    setBusyId(id)
    try {
      await act()
      message.success(done)
      then()
    } catch (e) {
      message.error((e as ApiError).message || '操作失败，请稍后重试')
    } finally {
      setBusyId(null)
    }
  }
  return { busyId, run }
}

/** useSubmit on antd's message: the form's problem, whether it is busy, and the sending. */
export function useAntSubmit(): Submit {
  const { message } = AntApp.useApp()
  const [problem, setProblem] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = useCallback(
    async <T>(send: () => Promise<T>, { done, failed = '保存失败', then }: SubmitOptions<T>) => {
      setBusy(true)
      setProblem('')
      try {
        const answer = await send()
        message.success(typeof done === 'function' ? done(answer) : done)
        then?.(answer)
      } catch (e) {
        setProblem((e as ApiError).message || failed)
        message.error((e as ApiError).message || failed)
      } finally {
        setBusy(false)
      }
    },
    [message],
  )
  return { problem, setProblem, busy, submit }
}
