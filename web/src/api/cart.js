import { http } from './http'

export const getCart = () => http.get('/cart/').then((r) => r.data)
export const cartCount = () => http.get('/cart/count/').then((r) => r.data.cart_num)
export const addToCart = (courseId, expireId) =>
  http
    .post('/cart/', expireId === undefined ? { course_id: courseId } : { course_id: courseId, expire_id: expireId })
    .then((r) => r.data.cart_num)
export const selectAll = (selected) => http.patch('/cart/', { selected }).then((r) => r.data)
export const updateLine = (courseId, changes) => http.patch(`/cart/${courseId}/`, changes).then((r) => r.data)
export const removeLine = (courseId) => http.delete(`/cart/${courseId}/`)
