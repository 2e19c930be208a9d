from django.urls import path

from luffy.access import api

app_name = "access"
urlpatterns = [
    path("users/me/courses/", api.MyCoursesApi.as_view(), name="my-courses"),
    path("courses/<id:course_id>/access/", api.CourseAccessApi.as_view(), name="course-access"),
    path(
        "courses/<id:course_id>/lessons/<id:lesson_id>/",
        api.StudyLessonApi.as_view(),
        name="study-lesson",
    ),
]
