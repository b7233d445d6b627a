import { ToolIcon } from '../icons'
import { ErrorState } from './states'

export const DEFAULT_MAINTENANCE_MSG = '系统维护中，请稍后再试'

/** Shown whenever the API answers 1503: the operator's message, or the default text. */
export default function Maintenance({ msg }: { msg: string }) {
  return (
    <ErrorState
      testId="maintenance"
      icon={<ToolIcon size={40} />}
      title="系统维护中"
      msg={msg.trim() || DEFAULT_MAINTENANCE_MSG}
      action="刷新"
      onAction={() => window.location.reload()}
    />
  )
}
