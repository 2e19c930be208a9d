import { ref } from 'vue'
import { ElMessage } from 'element-plus'
import { sendSmsCode } from '../api/users'
import { useCountdown } from './useCountdown'

// "获取验证码" for one purpose (register, login, reset_password, change_mobile): sends, then
// counts down the server's resend interval; a refusal (sms_too_soon ...) is shown by the API client.
export function useSmsCode(purpose) {
  const countdown = useCountdown()
  const sending = ref(false)
  async function send(mobile) {
    sending.value = true
    try {
      const sent = await sendSmsCode(mobile, purpose)
      ElMessage.success('验证码已发送')
      countdown.start(sent.resend_after || 60)
      return true
    } catch (e) {
      if (e.api?.code === 'sms_too_soon') countdown.start(e.response?.data?.retry_after || 60)
      return false
    } finally {
      sending.value = false
    }
  }
  const label = () => (countdown.left.value > 0 ? `${countdown.left.value} 秒后重发` : '获取验证码')
  return { send, sending, countdown, label }
}
