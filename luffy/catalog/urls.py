from django.urls import path

from luffy.catalog import api

app_name = "catalog"
urlpatterns = [
    path("home/banners/", api.BannerListApi.as_view(), name="banners"),
    path("home/navs/", api.NavListApi.as_view(), name="navs"),
    path("courses/", api.CourseListApi.as_view(), name="courses"),
    path("courses/categories/", api.CategoryListApi.as_view(), name="categories"),
    path("courses/<id:course_id>/", api.CourseDetailApi.as_view(), name="course"),
]
