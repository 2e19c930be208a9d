import { defineStore } from 'pinia'
import * as usersApi from '../api/users'
import { tokens } from '../utils/tokens'
import { userDisplayName } from '../utils/format'

const USER = 'luffy.user'

function savedUser() {
  try {
    return tokens.access() ? JSON.parse(localStorage.getItem(USER)) : null
  } catch {
    return null
  }
}

export const useUserStore = defineStore('user', {
  state: () => ({ user: savedUser() }),
  getters: {
    isLoggedIn: (state) => Boolean(state.user),
    displayName: (state) => userDisplayName(state.user),
  },
  actions: {
    // The login and register answers: tokens plus the user.
    signIn({ access, refresh, ...user }) {
      tokens.set(access, refresh)
      localStorage.setItem(USER, JSON.stringify(user))
      this.user = user
    },
    async login(username, password) {
      this.signIn(await usersApi.login(username, password))
    },
    async register(payload) {
      this.signIn(await usersApi.register(payload))
    },
    async loginBySms(mobile, code) {
      this.signIn(await usersApi.loginBySms(mobile, code))
    },
    // After a profile change: the API's answer is the whole user.
    setProfile(fresh) {
      if (!this.user) return
      this.user = { ...this.user, ...fresh }
      localStorage.setItem(USER, JSON.stringify(this.user))
    },
    // The balance changes with checkout, payment and cancellation; keep the menu's figure true.
    setCredit(credit) {
      if (!this.user || credit === undefined || credit === null) return
      this.user = { ...this.user, credit }
      localStorage.setItem(USER, JSON.stringify(this.user))
    },
    // Re-read the profile (credit balance, credit_to_money); returns it.
    async refreshProfile() {
      const fresh = await usersApi.me()
      if (!this.user) return fresh // logged out meanwhile
      this.user = { ...this.user, ...fresh }
      localStorage.setItem(USER, JSON.stringify(this.user))
      return fresh
    },
    logout() {
      tokens.clear()
      localStorage.removeItem(USER)
      this.user = null
    },
  },
})
