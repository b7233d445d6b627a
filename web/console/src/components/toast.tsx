import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react'

type Kind = 'success' | 'error'

interface Toast {
  id: number
  kind: Kind
  text: string
}

interface Toaster {
  success: (text: string) => void
  error: (text: string) => void
}

const ToastContext = createContext<Toaster | null>(null)

/** The feedback of writes: `toast.success('已保存')`, `toast.error(e.message)`. */
export function useToast(): Toaster {
  const toaster = useContext(ToastContext)
  if (!toaster) throw new Error('useToast outside ToastProvider')
  return toaster
}

const SHOW_MS = { success: 3000, error: 5000 }

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const nextId = useRef(1)
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>())

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), [])
  const show = useCallback(
    (kind: Kind, text: string) => {
      const id = nextId.current++
      setToasts((all) => [...all.slice(-3), { id, kind, text }])
      const timer = setTimeout(() => {
        timers.current.delete(timer)
        dismiss(id)
      }, SHOW_MS[kind])
      timers.current.add(timer)
    },
    [dismiss],
  )
  useEffect(() => {
    const pending = timers.current
    return () => pending.forEach(clearTimeout)
  }, [])

  const [toaster] = useState<Toaster>(() => ({
    success: (text) => show('success', text),
    error: (text) => show('error', text || '操作失败，请稍后再试'),
  }))

  return (
    <ToastContext.Provider value={toaster}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast toast-${t.kind}`}
            role={t.kind === 'error' ? 'alert' : 'status'}
            data-testid="toast"
            data-kind={t.kind}
          >
            <span className="toast-dot" aria-hidden="true" />
            {t.text}
            <button className="toast-close" aria-label="关闭" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}
