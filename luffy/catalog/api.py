from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from luffy.catalog import selectors
from luffy.catalog.serializers import (
    BannerSerializer,
    CategorySerializer,
    CourseDetailSerializer,
    CourseListQuerySerializer,
    CoursePageSerializer,
    CourseSerializer,
    NavQuerySerializer,
    NavSerializer,
)
from luffy.common.schema import errors


class PublicApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class BannerListApi(PublicApi):
    @extend_schema(
        operation_id="home_banners_list",
        summary="Home page banners",
        responses={200: BannerSerializer(many=True)},
    )
    def get(self, request):
        return Response(BannerSerializer(selectors.banner_list(), many=True).data)


class NavListApi(PublicApi):
    @extend_schema(
        summary="Header or footer navigation links",
        operation_id="home_navs_list",
        parameters=[NavQuerySerializer],
        responses={200: NavSerializer(many=True), **errors(400)},
    )
    def get(self, request):
        query = NavQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(NavSerializer(selectors.nav_list(**query.validated_data), many=True).data)


class CategoryListApi(PublicApi):
    @extend_schema(
        operation_id="courses_categories_list",
        summary="Course categories",
        responses={200: CategorySerializer(many=True)},
    )
    def get(self, request):
        return Response(CategorySerializer(selectors.category_list(), many=True).data)


class CourseListApi(PublicApi):
    @extend_schema(
        summary="Online courses, one page",
        operation_id="courses_list",
        description="ordering=price sorts by the `price` shown (permanent access, or the "
        "cheapest validity option).",
        parameters=[CourseListQuerySerializer],
        responses={200: CoursePageSerializer, **errors(400, 404)},
    )
    def get(self, request):
        query = CourseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.course_list(**query.validated_data)
        page, url = query.validated_data["page"], request.build_absolute_uri()
        previous = None
        if page > 1:
            previous = (
                replace_query_param(url, "page", page - 1)
                if page > 2
                else remove_query_param(url, "page")
            )
        next_ = replace_query_param(url, "page", page + 1) if page < data["num_pages"] else None
        results = CourseSerializer(data["results"], many=True).data
        return Response(
            {"count": data["count"], "next": next_, "previous": previous, "results": results}
        )


class CourseDetailApi(PublicApi):
    @extend_schema(
        summary="One online course with validity options, chapters and lessons",
        responses={200: CourseDetailSerializer, **errors(404)},
    )
    def get(self, request, course_id: int):
        return Response(CourseDetailSerializer(selectors.course_detail(course_id=course_id)).data)
