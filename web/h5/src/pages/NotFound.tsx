import { useNavigate } from 'react-router-dom'
import { ErrorState } from './states'

export default function NotFound() {
  const navigate = useNavigate()
  return <ErrorState title="页面不存在" msg="您访问的页面不存在或已下线" action="返回首页" onAction={() => navigate('/')} />
}
