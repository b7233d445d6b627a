// Whole-page states shared by the H5 pages.
import { Button, DotLoading } from 'antd-mobile'
import type { ReactNode } from 'react'
import { type ApiError, TOKEN_EXPIRED, UNAUTHENTICATED } from '../api'
import { AlertIcon } from '../icons'

export function Loading({ text = '加载中…' }: { text?: string }) {
  return (
    <div className="page center" aria-busy="true" data-testid="loading">
      <DotLoading color="primary" className="page-loading" />
      <p className="muted">{text}</p>
    </div>
  )
}

export function ErrorState(props: {
  title: string
  msg: string
  action: string
  onAction: () => void
  icon?: ReactNode
  children?: ReactNode
  /** data-testid of the page; its message is `${testId}-msg`. */
  testId?: string
}) {
  const { testId } = props
  return (
    <div className="page center" data-testid={testId}>
      <div className="state-icon">{props.icon ?? <AlertIcon size={40} />}</div>
      <h1 className="state-title">{props.title}</h1>
      <p className="state-msg" data-testid={testId ? `${testId}-msg` : undefined}>
        {props.msg}
      </p>
      {props.children}
      <Button color="primary" className="state-action" onClick={props.onAction}>
        {props.action}
      </Button>
    </div>
  )
}

/**
 * A page whose load failed: on its way to WeChat login when the session is gone (the API
 * client already left for it), otherwise the error with a retry.
 */
export function LoadError({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  if (error.code === UNAUTHENTICATED || error.code === TOKEN_EXPIRED) return <Loading text="正在前往微信登录…" />
  return <ErrorState testId="load-error" title="加载失败" msg={error.message} action="重试" onAction={onRetry} />
}
