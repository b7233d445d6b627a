import { ToolIcon } from '../icons'
import { ErrorState } from './states'

export default function Maintenance({ msg }: { msg: string }) {
  return (
    <ErrorState
      icon={<ToolIcon size={40} />}
      title="系统维护中"
      msg={msg || '系统维护中，请稍后再试'}
      action="刷新"
      onAction={() => window.location.reload()}
    />
  )
}
