// The one axios instance: base URL /api, Bearer token, one refresh on 401, errors in the API's
// shape {detail, code, errors} handed to one notifier. Router and UI are plugged in by main.js
// (setAuthExpiredHandler, setErrorNotifier) so this module stays testable without them.
import axios from 'axios'
import { tokens } from '../utils/tokens'

export const http = axios.create({ baseURL: '/api', timeout: 15000 })

let notify = () => {}
let onAuthExpired = () => {}
export const setErrorNotifier = (fn) => (notify = fn)
export const setAuthExpiredHandler = (fn) => (onAuthExpired = fn)

http.interceptors.request.use((config) => {
  const access = tokens.access()
  if (access && !config.skipAuth) config.headers.Authorization = `Bearer ${access}`
  return config
})

// Concurrent 401s share one refresh request.
let refreshing = null
function refreshAccess() {
  refreshing ??= http
    .post('/users/token/refresh/', { refresh: tokens.refresh() }, { skipAuth: true, silent: true, isRefresh: true })
    .then(({ data }) => tokens.set(data.access, data.refresh))
    .finally(() => (refreshing = null))
  return refreshing
}

// {status, detail, code, errors}: what pages and the notifier read.
export function apiError(error) {
  const { response } = error
  if (!response) {
    return { status: 0, code: 'network_error', detail: '网络连接失败，请检查网络后重试', errors: {} }
  }
  const data = response.data && typeof response.data === 'object' ? response.data : {}
  return {
    status: response.status,
    code: data.code || 'error',
    detail: data.detail || `请求失败（${response.status}）`,
    errors: data.errors || {},
    ...(data.outcome ? { outcome: data.outcome } : {}), // e.g. payment_pending: why not yet
  }
}

http.interceptors.response.use(
  (response) => response,
  async (error) => {
    const config = error.config || {}
    const status = error.response?.status
    const hadSession = Boolean(config.headers?.Authorization) && !config.isRefresh // anonymous 401s are just errors
    if (status === 401 && hadSession) {
      if (!config.retried && tokens.refresh()) {
        config.retried = true
        try {
          await refreshAccess()
        } catch (refused) {
          return expired(error, refused)
        }
        return http(config) // once: `retried` stops a second refresh for this request
      }
      return expired(error)
    }
    error.api = apiError(error)
    if (!config.silent) notify(error.api.detail, error.api)
    return Promise.reject(error)
  },
)

// A password changed elsewhere says so; any other refusal is an expired session.
// Concurrent requests of one session all end here when its refresh is refused: only the first
// (the one that still finds the tokens) tells the user and opens the login page.
function expired(error, refused) {
  const first = Boolean(tokens.access() || tokens.refresh())
  tokens.clear()
  const changed = [error, refused].some((e) => e?.response?.data?.code === 'password_changed')
  const detail = changed ? '密码已修改，请用新密码重新登录' : '登录已过期，请重新登录'
  error.api = { ...apiError(error), status: 401, code: changed ? 'password_changed' : 'session_expired', detail }
  if (first) {
    notify(error.api.detail, error.api)
    onAuthExpired()
  }
  return Promise.reject(error)
}
