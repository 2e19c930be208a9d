// The API client against a mocked axios adapter: one refresh on 401, then the login page.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { http, setAuthExpiredHandler, setErrorNotifier } from '../src/api/http'
import { tokens } from '../src/utils/tokens'

const ok = (config, data, status = 200) => ({ data, status, statusText: 'OK', headers: {}, config })
function fail(config, status, data) {
  const error = new Error(`status ${status}`)
  error.config = config
  error.response = { status, data, headers: {}, config }
  error.isAxiosError = true
  return Promise.reject(error)
}

let calls, notified, expired
beforeEach(() => {
  localStorage.clear()
  calls = []
  notified = []
  expired = vi.fn()
  setErrorNotifier((message) => notified.push(message))
  setAuthExpiredHandler(expired)
})
afterEach(() => {
  http.defaults.adapter = undefined
})

// routes: {"GET /cart/": (config, n) => response promise}; n counts calls to that route.
function mockServer(routes) {
  const seen = {}
  http.defaults.adapter = (config) => {
    const key = `${config.method.toUpperCase()} ${config.url}`
    seen[key] = (seen[key] || 0) + 1
    calls.push({ key, auth: config.headers.Authorization, body: config.data })
    const handler = routes[key]
    return handler ? handler(config, seen[key]) : fail(config, 404, { detail: 'No such API endpoint.', code: 'not_found' })
  }
}

describe('http', () => {
  it('sends the access token as a Bearer header under /api', async () => {
    tokens.set('A1', 'R1')
    mockServer({ 'GET /cart/count/': (c) => Promise.resolve(ok(c, { cart_num: 2 })) })
    const { data } = await http.get('/cart/count/')
    expect(data.cart_num).toBe(2)
    expect(calls[0].auth).toBe('Bearer A1')
    expect(http.defaults.baseURL).toBe('/api')
  })

  it('refreshes once on 401 and repeats the request with the new token', async () => {
    tokens.set('OLD', 'R1')
    mockServer({
      'GET /cart/': (c) => (c.headers.Authorization === 'Bearer NEW' ? Promise.resolve(ok(c, { lines: [] })) : fail(c, 401, { detail: 'Token is invalid', code: 'token_not_valid' })),
      'POST /users/token/refresh/': (c) => Promise.resolve(ok(c, { access: 'NEW' })),
    })
    const { data } = await http.get('/cart/')
    expect(data).toEqual({ lines: [] })
    expect(calls.map((c) => c.key)).toEqual(['GET /cart/', 'POST /users/token/refresh/', 'GET /cart/'])
    expect(JSON.parse(calls[1].body)).toEqual({ refresh: 'R1' })
    expect(calls[1].auth).toBeUndefined() // the expired access token is not sent to refresh
    expect(tokens.access()).toBe('NEW')
    expect(tokens.refresh()).toBe('R1')
    expect(expired).not.toHaveBeenCalled()
  })

  it('shares one refresh between concurrent 401s', async () => {
    tokens.set('OLD', 'R1')
    mockServer({
      'GET /cart/': (c) => (c.headers.Authorization === 'Bearer NEW' ? Promise.resolve(ok(c, 1)) : fail(c, 401, {})),
      'GET /cart/count/': (c) => (c.headers.Authorization === 'Bearer NEW' ? Promise.resolve(ok(c, 2)) : fail(c, 401, {})),
      'POST /users/token/refresh/': (c) => Promise.resolve(ok(c, { access: 'NEW' })),
    })
    const [a, b] = await Promise.all([http.get('/cart/'), http.get('/cart/count/')])
    expect([a.data, b.data]).toEqual([1, 2])
    expect(calls.filter((c) => c.key === 'POST /users/token/refresh/')).toHaveLength(1)
  })

  it('says once that the session expired when concurrent requests all find it so', async () => {
    tokens.set('GARBLED', 'GARBLED')
    mockServer({
      'GET /cart/': (c) => fail(c, 401, {}),
      'GET /cart/count/': (c) => fail(c, 401, {}),
      'POST /users/token/refresh/': (c) => fail(c, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }),
    })
    const errors = await Promise.all([http.get('/cart/'), http.get('/cart/count/')].map((p) => p.catch((e) => e)))
    expect(errors.map((e) => e.api.code)).toEqual(['session_expired', 'session_expired'])
    expect(notified).toEqual(['登录已过期，请重新登录'])
    expect(expired).toHaveBeenCalledTimes(1)
  })

  it('gives up after one refresh: a second 401 ends the session', async () => {
    tokens.set('OLD', 'R1')
    mockServer({
      'GET /cart/': (c) => fail(c, 401, { detail: 'nope', code: 'token_not_valid' }),
      'POST /users/token/refresh/': (c) => Promise.resolve(ok(c, { access: 'NEW' })),
    })
    const error = await http.get('/cart/').catch((e) => e)
    expect(calls.map((c) => c.key)).toEqual(['GET /cart/', 'POST /users/token/refresh/', 'GET /cart/'])
    expect(error.api.code).toBe('session_expired')
    expect(expired).toHaveBeenCalledTimes(1)
    expect(tokens.access()).toBeNull()
  })

  it('goes to login when the refresh token is refused', async () => {
    tokens.set('OLD', 'BAD')
    mockServer({
      'GET /cart/': (c) => fail(c, 401, {}),
      'POST /users/token/refresh/': (c) => fail(c, 401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }),
    })
    const error = await http.get('/cart/').catch((e) => e)
    expect(error.api.code).toBe('session_expired')
    expect(expired).toHaveBeenCalledTimes(1)
    expect(notified).toEqual(['登录已过期，请重新登录'])
    expect(tokens.refresh()).toBeNull()
  })

  it('does not refresh for anonymous requests', async () => {
    mockServer({ 'POST /users/login/': (c) => fail(c, 401, { detail: 'Wrong username or password.', code: 'invalid_credentials' }) })
    const error = await http.post('/users/login/', {}).catch((e) => e)
    expect(calls).toHaveLength(1)
    expect(expired).not.toHaveBeenCalled()
    expect(error.api).toEqual({ status: 401, code: 'invalid_credentials', detail: 'Wrong username or password.', errors: {} })
    expect(notified).toEqual(['Wrong username or password.'])
  })

  it('shows API errors in their shape unless the call is silent', async () => {
    mockServer({
      'POST /cart/': (c) => fail(c, 400, { detail: 'course_id: required', code: 'invalid', errors: { course_id: ['required'] } }),
    })
    const error = await http.post('/cart/', {}).catch((e) => e)
    expect(error.api.errors).toEqual({ course_id: ['required'] })
    expect(notified).toEqual(['course_id: required'])
    await http.post('/cart/', {}, { silent: true }).catch(() => null)
    expect(notified).toHaveLength(1)
  })

  it('turns a network failure into a readable message', async () => {
    http.defaults.adapter = (config) => Promise.reject(Object.assign(new Error('Network Error'), { config }))
    const error = await http.get('/home/navs/').catch((e) => e)
    expect(error.api.code).toBe('network_error')
    expect(notified[0]).toContain('网络')
  })

  it('says the password was changed when the refresh is refused for it', async () => {
    tokens.set('OLD', 'R1')
    const changed = { detail: '密码已修改，请重新登录。', code: 'password_changed' }
    mockServer({
      'GET /users/me/': (c) => fail(c, 401, changed),
      'POST /users/token/refresh/': (c) => fail(c, 401, changed),
    })
    const error = await http.get('/users/me/').catch((e) => e)
    expect(error.api.code).toBe('password_changed')
    expect(notified).toEqual(['密码已修改，请用新密码重新登录'])
    expect(tokens.access()).toBeNull()
    expect(expired).toHaveBeenCalledOnce()
  })

  it('hands a pending answer\'s outcome to the page', async () => {
    const pending = { detail: '支付结果尚未确认', code: 'payment_pending', outcome: 'gateway_unavailable' }
    mockServer({ 'GET /payments/alipay/result/': (c) => fail(c, 409, pending) })
    const error = await http.get('/payments/alipay/result/', { silent: true }).catch((e) => e)
    expect(error.api).toMatchObject({ status: 409, code: 'payment_pending', outcome: 'gateway_unavailable' })
  })
})
