import { beforeEach, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useUserStore } from '../src/stores/user'

// The pages themselves are not under test: what the router does around them is.
vi.mock('../src/pages/CartPage.vue', () => ({ default: { render: () => null } }))
vi.mock('../src/pages/LoginPage.vue', () => ({ default: { render: () => null } }))
vi.mock('../src/api/users', () => ({ login: vi.fn() }))

const { router, sendToLogin } = await import('../src/router')

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

it('a session found expired while the first page loads returns to that page after login', async () => {
  const user = useUserStore()
  user.$patch({ user: { id: 7, username: 'luffy' } })
  let pageLoaded
  const loading = new Promise((resolve) => (pageLoaded = resolve))
  const stopWaiting = router.beforeEach(() => loading) // after the auth guard, as a lazy page is

  const firstNavigation = router.push('/cart')
  // The header's request comes back 401 before the cart page has loaded.
  user.logout()
  const sent = sendToLogin()
  await Promise.resolve()
  expect(router.currentRoute.value.path).toBe('/') // the start location: not where the user is
  pageLoaded()
  await firstNavigation
  await sent
  stopWaiting()

  expect(router.currentRoute.value.name).toBe('login')
  expect(router.currentRoute.value.query.redirect).toBe('/cart')
})

it('on the login page already, stays there with its redirect', async () => {
  await router.push({ name: 'login', query: { redirect: '/my/orders' } })
  await sendToLogin()
  expect(router.currentRoute.value.query.redirect).toBe('/my/orders')
})
