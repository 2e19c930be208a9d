import { onBeforeUnmount, ref } from 'vue'

// Seconds left, ticking down once a second from a value the server computed.
export function useCountdown() {
  const left = ref(0)
  let timer = null
  const stop = () => timer && clearInterval(timer)
  function start(seconds) {
    stop()
    left.value = seconds || 0
    if (left.value > 0) {
      timer = setInterval(() => {
        left.value -= 1
        if (left.value <= 0) stop()
      }, 1000)
    }
  }
  onBeforeUnmount(stop)
  return { left, start, stop }
}
