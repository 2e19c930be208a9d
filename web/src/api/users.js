import { http } from './http'

export const login = (username, password) =>
  http.post('/users/login/', { username, password }).then((r) => r.data)
export const register = (payload) => http.post('/users/register/', payload).then((r) => r.data)
// purpose: register (default), login, reset_password, change_mobile (logged in)
export const sendSmsCode = (mobile, purpose = 'register') =>
  http.get(`/users/sms/${encodeURIComponent(mobile)}/`, { params: { purpose } }).then((r) => r.data)
export const loginBySms = (mobile, sms_code) => http.post('/users/login/sms/', { mobile, sms_code }).then((r) => r.data)
export const resetPassword = (payload) => http.post('/users/password/reset/', payload).then((r) => r.data)
export const changePassword = (payload) => http.post('/users/me/password/', payload).then((r) => r.data)
// payload: {nickname} / {mobile, sms_code} as JSON, or a FormData with the avatar
export const updateMe = (payload) => http.patch('/users/me/', payload).then((r) => r.data)
export const mobileStatus = (mobile) =>
  http.get(`/users/mobile/${encodeURIComponent(mobile)}/`, { silent: true }).then((r) => r.data)
export const me = () => http.get('/users/me/').then((r) => r.data)
// The credit ledger, newest first: {count, next, previous, results}
export const credits = (params) => http.get('/users/me/credits/', { params }).then((r) => r.data)
