"""A realistic demo catalog. Loading is idempotent: every row is found by a natural key and only
created when missing, so a second run changes nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from luffy.catalog.models import (
    Activity,
    Banner,
    Course,
    CourseCategory,
    CourseChapter,
    CourseExpire,
    CourseLesson,
    CoursePriceDiscount,
    Discount,
    DiscountType,
    Navigation,
    Teacher,
)

CATEGORIES = ["Python", "Linux 运维", "前端开发", "Go 语言"]
TEACHERS = [
    ("Alex", Teacher.Role.LECTURER, "Python 讲师", "人生苦短 我用 Python"),
    ("Wu Sir", Teacher.Role.LECTURER, "全栈讲师", "代码即文档"),
    ("Yuan", Teacher.Role.MENTOR, "就业导师", "每天进步一点点"),
    ("Egon", Teacher.Role.CLASS_TEACHER, "班主任", "有问题随时找我"),
]
COURSES = [
    # name, category, teacher, base price (0 = no permanent option), level
    ("Python 开发 21 天入门", 0, 0, "99.00", Course.Level.BEGINNER),
    ("Django 实战 在线课程商城", 0, 1, "399.00", Course.Level.INTERMEDIATE),
    ("Python 爬虫开发", 0, 0, "199.00", Course.Level.INTERMEDIATE),
    ("数据分析与可视化", 0, 2, "299.00", Course.Level.INTERMEDIATE),
    ("Linux 系统基础", 1, 1, "0.00", Course.Level.BEGINNER),
    ("Shell 脚本编程", 1, 1, "129.00", Course.Level.BEGINNER),
    ("Docker 与 Kubernetes", 1, 2, "499.00", Course.Level.ADVANCED),
    ("Vue 3 从入门到实战", 2, 1, "259.00", Course.Level.BEGINNER),
    ("TypeScript 精讲", 2, 0, "159.00", Course.Level.INTERMEDIATE),
    ("前端工程化", 2, 2, "0.00", Course.Level.ADVANCED),
    ("Go 语言基础", 3, 0, "189.00", Course.Level.BEGINNER),
    ("Go 微服务实战", 3, 1, "599.00", Course.Level.ADVANCED),
]
EXPIRES = [(30, "1个月有效", Decimal("0.25")), (90, "3个月有效", Decimal("0.6"))]
DISCOUNTS = [  # type, condition, rule, course indexes
    ("限时免费", "0", "0", [0]),
    ("限时折扣", "100", "*0.8", [1, 2, 3]),
    ("限时减免", "100", "-50", [6, 7]),
    ("满减", "0", "满100-10\n满200-25\n满500-80", [8, 11]),
]
COLORS = ["#2d8cf0", "#19be6b", "#ff9900", "#ed4014", "#9b59b6", "#1abc9c"]


def cover_image(text: str, color: str) -> ContentFile:
    image = Image.new("RGB", (640, 360), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 616, 336), outline="white", width=4)
    draw.text((48, 160), text.encode("ascii", "ignore").decode() or "Luffy", fill="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return ContentFile(buffer.getvalue())


@transaction.atomic
def demo_catalog_load() -> dict[str, int]:
    """Create whatever part of the demo catalog is missing; return how many rows were created."""
    created: dict[str, int] = {}

    def get(model, defaults=None, **lookup):
        obj, new = model.objects.get_or_create(**lookup, defaults=defaults or {})
        created[model.__name__] = created.get(model.__name__, 0) + new
        return obj

    categories = [
        get(CourseCategory, name=n, defaults={"sort_order": i}) for i, n in enumerate(CATEGORIES)
    ]
    teachers = [
        get(
            Teacher,
            name=name,
            defaults={
                "role": role,
                "title": title,
                "signature": sign,
                "brief": f"<p>{title} 十年经验。</p>",
            },
        )
        for name, role, title, sign in TEACHERS
    ]
    courses = []
    for i, (name, cat, teacher, price, level) in enumerate(COURSES):
        course = get(
            Course,
            name=name,
            defaults={
                "category": categories[cat],
                "teacher": teachers[teacher],
                "price": Decimal(price),
                "level": level,
                "brief": f"<p><strong>{name}</strong> 从零开始 项目驱动。</p>",
                "pub_date": date(2025, 1, 1) + timedelta(days=30 * i),
                "students": 100 + 37 * i,
                "lessons_count": 6,
                "pub_lessons_count": 6 - i % 3,
                "video_url": f"https://media.example.com/trailers/{i + 1}.mp4",
            },
        )
        if not course.cover:
            course.cover.save(f"course-{i + 1}.png", cover_image(f"Course {i + 1}", COLORS[i % 6]))
        reference = course.price or Decimal(100 + 20 * i)
        for days, text, share in EXPIRES:
            get(
                CourseExpire,
                course=course,
                days=days,
                defaults={"text": text, "price": (reference * share).quantize(Decimal("0.01"))},
            )
        for number in (1, 2):
            chapter = get(
                CourseChapter,
                course=course,
                number=number,
                defaults={"name": f"第{number}章", "summary": "本章要点"},
            )
            for order in (1, 2, 3):
                get(
                    CourseLesson,
                    chapter=chapter,
                    course=course,
                    order=order,
                    defaults={
                        "name": f"{number}.{order} 课时",
                        "section_type": CourseLesson.Section.VIDEO,
                        "link": f"video-{course.id}-{number}-{order}",
                        "duration": 300 * order,
                        "free_trial": number == 1 and order == 1,
                        "show_on_list": order < 3,
                    },
                )
        courses.append(course)

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for type_name, condition, rule, indexes in DISCOUNTS:
        dtype = get(DiscountType, name=type_name)
        discount = get(Discount, type=dtype, sale=rule, defaults={"condition": Decimal(condition)})
        activity = get(
            Activity,
            name=f"{type_name}活动",
            defaults={"start": now - timedelta(days=1), "end": now + timedelta(days=30)},
        )
        for index in indexes:
            get(
                CoursePriceDiscount,
                course=courses[index],
                activity=activity,
                defaults={"discount": discount},
            )

    for i, title in enumerate(["新课上线", "限时折扣", "就业班招生"]):
        banner = get(
            Banner, title=title, defaults={"link": f"/courses/{courses[i].id}", "sort_order": i}
        )
        if not banner.image:
            banner.image.save(f"banner-{i + 1}.png", cover_image(f"Banner {i + 1}", COLORS[i]))
    for position, links in (
        (
            "header",
            [
                ("免费课", "/free", False),
                ("实战课", "/courses", False),
                ("博客", "https://blog.example.com", True),
            ],
        ),
        ("footer", [("关于我们", "/about", False), ("联系我们", "/contact", False)]),
    ):
        for i, (title, link, external) in enumerate(links):
            get(
                Navigation,
                position=position,
                title=title,
                defaults={"link": link, "is_external": external, "sort_order": i},
            )
    return created
