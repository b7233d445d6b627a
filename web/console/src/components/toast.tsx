// The feedback of writes, on antd's message: `toast.success('已保存')`, `toast.error(e.message)`.
import { App } from 'antd'
import { useMemo } from 'react'

interface Toaster {
  success: (text: string) => void
  error: (text: string) => void
}

export function useToast(): Toaster {
  const { message } = App.useApp()
  return useMemo(
    () => ({
      success: (text: string) => {
        message.success({
          content: (
            <span data-testid="toast" data-kind="success" role="status">
              {text}
            </span>
          ),
          duration: 3,
        })
      },
      error: (text: string) => {
        message.error({
          content: (
            <span data-testid="toast" data-kind="error" role="alert">
              {text || '操作失败，请稍后再试'}
            </span>
          ),
          duration: 5,
        })
      },
    }),
    [message],
  )
}
