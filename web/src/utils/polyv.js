// 保利威 (Polyv) cloud player, for lessons whose link is a Polyv video id (VIDEO_CLOUD_PROVIDER
// = polyv). Its script comes from Polyv's CDN (the CSP allows it only with that setting); the
// player asks for a playsafe token before each play, which the study API issues per viewer.
const SCRIPT = 'https://player.polyv.net/script/player.js'
let loading = null

function loadScript() {
  if (window.polyvPlayer) return Promise.resolve()
  loading ??= new Promise((resolve, reject) => {
    const tag = document.createElement('script')
    tag.src = SCRIPT
    tag.onload = resolve
    tag.onerror = () => {
      loading = null
      reject(new Error('polyv player script failed to load'))
    }
    document.head.appendChild(tag)
  })
  return loading
}

export async function mountPolyvPlayer({ wrap, vid, token, first }) {
  await loadScript()
  let initial = first
  return window.polyvPlayer({
    wrap,
    width: '100%',
    height: '100%',
    vid,
    playsafe: (_vid, next) => {
      if (initial) {
        next(initial)
        initial = null
        return
      }
      token().then(next, () => next(''))
    },
  })
}
