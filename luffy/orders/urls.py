from django.urls import path

from luffy.orders import api

app_name = "orders"
urlpatterns = [
    path("courses/<int:course_id>/access/", api.CourseAccessApi.as_view(), name="course-access"),
    path(
        "courses/<int:course_id>/lessons/<int:lesson_id>/",
        api.StudyLessonApi.as_view(),
        name="study-lesson",
    ),
]
