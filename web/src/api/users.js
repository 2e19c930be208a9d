import { http } from './http'

export const login = (username, password) =>
  http.post('/users/login/', { username, password }).then((r) => r.data)
export const register = (payload) => http.post('/users/register/', payload).then((r) => r.data)
export const sendSmsCode = (mobile) => http.get(`/users/sms/${encodeURIComponent(mobile)}/`).then((r) => r.data)
export const mobileStatus = (mobile) =>
  http.get(`/users/mobile/${encodeURIComponent(mobile)}/`, { silent: true }).then((r) => r.data)
export const me = () => http.get('/users/me/').then((r) => r.data)
// The credit ledger, newest first: {count, next, previous, results}
export const credits = (params) => http.get('/users/me/credits/', { params }).then((r) => r.data)
