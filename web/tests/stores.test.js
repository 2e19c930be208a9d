import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useUserStore } from '../src/stores/user'
import { useCartStore } from '../src/stores/cart'
import { tokens } from '../src/utils/tokens'
import * as usersApi from '../src/api/users'
import * as cartApi from '../src/api/cart'

vi.mock('../src/api/users', () => ({ login: vi.fn(), register: vi.fn() }))
vi.mock('../src/api/cart', () => ({ cartCount: vi.fn() }))

const answer = { access: 'A', refresh: 'R', id: 7, username: 'luffy', mobile: '13900000000', credit: 20 }

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('user store', () => {
  it('logs in: keeps tokens and the user across a reload', async () => {
    usersApi.login.mockResolvedValue(answer)
    await useUserStore().login('luffy', 'pw')
    expect(usersApi.login).toHaveBeenCalledWith('luffy', 'pw')
    expect(tokens.access()).toBe('A')
    expect(tokens.refresh()).toBe('R')

    setActivePinia(createPinia()) // a reload
    const user = useUserStore()
    expect(user.isLoggedIn).toBe(true)
    expect(user.displayName).toBe('luffy')
    expect(user.user.access).toBeUndefined() // tokens are not kept twice
  })

  it('logs out: forgets tokens and the user', async () => {
    usersApi.register.mockResolvedValue(answer)
    const user = useUserStore()
    await user.register({ mobile: '13900000000', sms_code: '123456', password: 'x' })
    user.logout()
    expect(user.isLoggedIn).toBe(false)
    expect(tokens.access()).toBeNull()
    setActivePinia(createPinia())
    expect(useUserStore().isLoggedIn).toBe(false)
  })

  it('is logged out when the tokens are gone, whatever user was saved', () => {
    localStorage.setItem('luffy.user', JSON.stringify({ username: 'ghost' }))
    expect(useUserStore().isLoggedIn).toBe(false)
  })
})

describe('cart store', () => {
  it('follows the server count and falls back to 0 on errors', async () => {
    const cart = useCartStore()
    cartApi.cartCount.mockResolvedValue(3)
    await cart.refresh()
    expect(cart.count).toBe(3)
    cartApi.cartCount.mockRejectedValue(new Error('503'))
    await cart.refresh()
    expect(cart.count).toBe(0)
    cart.set(5)
    expect(cart.count).toBe(5)
    cart.reset()
    expect(cart.count).toBe(0)
  })
})

describe('user store credit', () => {
  it('keeps a new balance across a reload', async () => {
    usersApi.login.mockResolvedValue(answer)
    const user = useUserStore()
    await user.login('luffy', 'pw')
    user.setCredit(120)
    expect(user.user.credit).toBe(120)
    setActivePinia(createPinia())
    expect(useUserStore().user.credit).toBe(120)
  })
  it('ignores a balance when logged out', () => {
    const user = useUserStore()
    user.setCredit(5)
    expect(user.user).toBeNull()
  })
})
