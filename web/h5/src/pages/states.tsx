// Whole-page states shared by the H5 pages.
import type { ReactNode } from 'react'
import { AlertIcon } from '../icons'

export function Loading({ text = '加载中…' }: { text?: string }) {
  return (
    <div className="page center" aria-busy="true">
      <div className="spinner" />
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
}) {
  return (
    <div className="page center">
      <div className="state-icon">{props.icon ?? <AlertIcon size={40} />}</div>
      <h1 className="state-title">{props.title}</h1>
      <p className="state-msg">{props.msg}</p>
      {props.children}
      <button className="btn btn-primary state-action" onClick={props.onAction}>
        {props.action}
      </button>
    </div>
  )
}
