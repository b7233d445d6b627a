// Pure helpers of the login page.

/** The message to show instead of sending the form, or '' when it may be sent. */
export function validateLogin(username: string, password: string): string {
  if (!username.trim() && !password) return '请输入用户名和密码'
  if (!username.trim()) return '请输入用户名'
  if (!password) return '请输入密码'
  return ''
}

/** The console path to return to after login: only a path inside the console. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
}
