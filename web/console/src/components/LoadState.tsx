// A page's or a list's state while its data is not shown: loading, refused (无权限) or failed
// (the server's message and a retry), on antd.
import { Button, Result, Spin } from 'antd'
import { isForbidden, type ApiError } from '../api'

/** 无权限: what the operator's role may not see (HTTP 403). */
export const Forbidden = ({ message }: { message?: string }) => (
  <div data-testid="forbidden">
    <Result status="403" title="无权限" subTitle={message || '当前角色无权访问此页面'} />
  </div>
)

/** The state of a load with no data yet: a spinner, 无权限, or the failure and a retry. */
export function LoadState({ error, onRetry }: { error?: ApiError; onRetry?: () => void }) {
  if (!error)
    return (
      <div className="state" data-testid="loading">
        <Spin description="加载中…" />
      </div>
    )
  if (isForbidden(error)) return <Forbidden message={error.message} />
  return (
    <div data-testid="load-error">
      <Result
        status="warning"
        title={error.message || '加载失败'}
        subTitle="请稍后重试；一直失败请联系技术同事。"
        extra={onRetry && <Button onClick={onRetry}>重试</Button>}
      />
    </div>
  )
}
