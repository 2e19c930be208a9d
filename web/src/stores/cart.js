import { defineStore } from 'pinia'
import * as cartApi from '../api/cart'

// Only the header badge: the cart page loads the cart itself.
export const useCartStore = defineStore('cart', {
  state: () => ({ count: 0 }),
  actions: {
    async refresh() {
      try {
        this.count = await cartApi.cartCount()
      } catch {
        this.count = 0 // the badge is not worth an error of its own
      }
    },
    set(count) {
      this.count = count
    },
    reset() {
      this.count = 0
    },
  },
})
