"""A realistic demo catalog. Loading is idempotent: every row is found by a natural key and only
created when missing, so a second run changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from luffy.catalog.demo_media import demo_pdf, demo_video
from luffy.catalog.media import lesson_storage
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
LEVEL_NAMES = {
    Course.Level.BEGINNER: "入门",
    Course.Level.INTERMEDIATE: "进阶",
    Course.Level.ADVANCED: "高级",
}
EXPIRES = [(30, "1个月有效", Decimal("0.25")), (90, "3个月有效", Decimal("0.6"))]
DISCOUNTS = [  # type, condition, rule, course indexes
    ("限时免费", "0", "0", [0]),
    ("限时折扣", "100", "*0.8", [1, 2, 3]),
    ("限时减免", "100", "-50", [6, 7]),
    ("满减", "0", "满100-10\n满200-25\n满500-80", [8, 11]),
]


# Two chapters of three lessons for each course in COURSES, in the same order.
SYLLABUS = [
    [("环境搭建与基础语法", ["安装 Python 与编辑器", "变量、数据类型与运算符", "条件判断与循环"]),
     ("函数与模块", ["函数的定义与参数", "模块、包与 pip", "异常处理与调试技巧"])],
    [("项目搭建与模型设计", ["创建项目与应用", "课程、订单与用户模型", "Django Admin 后台定制"]),
     ("购物车与支付", ["用 Redis 实现购物车", "订单结算与优惠券", "对接支付宝沙箱"])],
    [("网络请求基础", ["HTTP 协议与 requests 库", "用 XPath 解析网页", "处理 Cookie 与登录"]),
     ("Scrapy 框架实战", ["Scrapy 项目结构", "数据管道与存储", "反爬策略与代理池"])],
    [("数据处理", ["NumPy 数组运算", "pandas 数据清洗", "分组聚合与透视表"]),
     ("可视化", ["Matplotlib 基础图表", "Seaborn 统计图", "制作销售数据看板"])],
    [("初识 Linux", ["安装 CentOS 与 Ubuntu", "文件与目录操作", "用户与权限管理"]),
     ("系统管理", ["软件包管理", "进程与服务管理", "磁盘与网络配置"])],
    [("Shell 基础", ["第一个 Shell 脚本", "变量与参数传递", "条件测试与流程控制"]),
     ("实用脚本", ["文本处理三剑客 grep、sed、awk", "函数与数组", "编写自动化运维脚本"])],
    [("Docker 容器", ["镜像与容器", "编写 Dockerfile", "Docker Compose 编排"]),
     ("Kubernetes 集群", ["Pod 与 Deployment", "Service 与 Ingress", "滚动发布与自动扩缩容"])],
    [("Vue 3 基础", ["创建第一个 Vue 应用", "模板语法与响应式", "组件与 Props"]),
     ("项目实战", ["Vue Router 路由", "Pinia 状态管理", "用 Vite 打包上线"])],
    [("类型系统", ["基础类型与类型推断", "接口与类型别名", "联合类型与类型守卫"]),
     ("进阶", ["泛型", "类与装饰器", "在 Vue 项目中使用 TypeScript"])],
    [("构建工具", ["npm 与包管理", "Vite 与 Webpack 对比", "代码分割与按需加载"]),
     ("质量与发布", ["ESLint 与 Prettier", "单元测试与端到端测试", "持续集成与自动部署"])],
    [("语言基础", ["安装 Go 与第一个程序", "变量、常量与基本类型", "流程控制与函数"]),
     ("并发编程", ["切片与映射", "Goroutine 与 Channel", "sync 包与并发安全"])],
    [("微服务架构", ["单体到微服务的拆分", "gRPC 与 Protobuf", "服务注册与发现"]),
     ("治理与部署", ["限流、熔断与重试", "链路追踪与日志", "容器化部署到 Kubernetes"])],
]  # fmt: skip
CHAPTER_SUMMARIES = ["打好基础，边学边练", "动手实战，学以致用"]
# Dark enough for white text (WCAG AA): the covers carry the course name.
COLORS = ["#1765c1", "#1f7a4d", "#b4530f", "#b3261e", "#6a3fb0", "#0f766e"]
FONTS = (
    "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', "
    "'WenQuanYi Micro Hei', sans-serif"
)


def _lines(text: str, width: int) -> list[str]:
    """Split a title at the space nearest its middle when longer than `width` characters."""
    if len(text) <= width or " " not in text:
        return [text]
    middle = len(text) / 2
    cut = min((i for i, c in enumerate(text) if c == " "), key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def cover_svg(title: str, tag: str, color: str, *, banner: bool = False) -> bytes:
    """A demo cover (640 x 360) or banner (1200 x 340) drawn by the project: a gradient in
    `color`, two circles and the title in the browser's Chinese font (no font file needed). A
    cover also shows `tag` (category and level); a banner leaves its lower part to the title
    the home page lays over it."""
    width, height = (1200, 340) if banner else (640, 360)
    size = 60 if banner else 44
    lines = _lines(title, 16 if banner else 10)
    top = (height * 0.42 if banner else height / 2 + size * 0.35) - (len(lines) - 1) * size * 0.6
    left = round(width * 0.08)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(FONTS)}">',
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{color}"/>'
        f'<stop offset="1" stop-color="{color}" stop-opacity="0.78"/></linearGradient></defs>',
        f'<rect width="{width}" height="{height}" fill="#10151f"/>',
        f'<rect width="{width}" height="{height}" fill="url(#g)"/>',
        f'<circle cx="{width * 0.86:.0f}" cy="{height * 0.18:.0f}" r="{height * 0.42:.0f}" '
        'fill="#fff" fill-opacity="0.08"/>',
        f'<circle cx="{width * 0.95:.0f}" cy="{height * 0.92:.0f}" r="{height * 0.3:.0f}" '
        'fill="#fff" fill-opacity="0.06"/>',
    ]
    parts += [
        f'<text x="{left}" y="{top + i * size * 1.2:.0f}" font-size="{size}" font-weight="700" '
        f'fill="#fff">{escape(line)}</text>'
        for i, line in enumerate(lines)
    ]
    if not banner:
        parts += [
            f'<rect x="{left}" y="50" width="{len(tag) * 15 + 28}" height="34" rx="17" '
            'fill="#fff" fill-opacity="0.18"/>',
            f'<text x="{left + 14}" y="73" font-size="18" fill="#fff">{escape(tag)}</text>',
            f'<text x="{left}" y="{height - 40}" font-size="18" fill="#fff" fill-opacity="0.85">'
            "路飞学城 · 在线课程</text>",
        ]
    return ("\n".join([*parts, "</svg>"]) + "\n").encode()


DEMO_VIDEO = "demo/lesson-video.mp4"
DEMO_VIDEO_SECONDS = 20


def _demo_file(name: str, make) -> str:
    """Our own generated file in the lessons storage, written once and shared by lessons."""
    storage = lesson_storage()
    if not storage.exists(name):
        storage.save(name, ContentFile(make()))
    return name


def demo_published_lessons(index: int) -> int:
    """How many lessons of the index-th demo course are out (the rest show 未更新): a lesson is
    published when it has its media, so the demo gives media to the first ones only."""
    return 6 - index % 3


def _demo_lesson_media(course: Course, index: int) -> None:
    """Give the course's published lessons (the first demo_published_lessons, in syllabus
    order) real media: the notes lesson (chapter 1, lesson 3) a PDF, the others the generated
    video. The rest stay without media or video id, which the pages show as 未更新."""
    lessons = list(CourseLesson.objects.filter(course=course).order_by("chapter__number", "order"))
    for position, lesson in enumerate(lessons):
        if lesson.media or position >= demo_published_lessons(index):
            continue
        notes = lesson.chapter.number == 1 and lesson.order == 3
        if notes:
            lesson.media.name = _demo_file(
                f"demo/course-{index + 1}-notes.pdf",
                lambda lesson=lesson: demo_pdf(
                    title=f"{course.name} · 课程讲义",
                    lines=[lesson.name, "路飞学城 · 示例讲义", "本文件由项目自动生成，仅作演示。"],
                ),
            )
            lesson.section_type = CourseLesson.Section.DOC
            lesson.duration = 0  # a document has no running time
        else:
            lesson.media.name = _demo_file(
                DEMO_VIDEO, lambda: demo_video(seconds=DEMO_VIDEO_SECONDS, key_every=2)
            )
            lesson.duration = DEMO_VIDEO_SECONDS
        lesson.link = ""  # the file replaces the placeholder video id
        lesson.save(update_fields=["media", "section_type", "duration", "link"])


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
                "status": Course.Status.ONLINE,
                "video_url": f"https://media.example.com/trailers/{i + 1}.mp4",
            },
        )
        if not course.cover:
            tag = f"{CATEGORIES[cat]} · {LEVEL_NAMES[level]}"
            course.cover.save(
                f"course-{i + 1}.svg", ContentFile(cover_svg(name, tag, COLORS[i % len(COLORS)]))
            )
        reference = course.price or Decimal(100 + 20 * i)
        for days, text, share in EXPIRES:
            get(
                CourseExpire,
                course=course,
                days=days,
                defaults={"text": text, "price": (reference * share).quantize(Decimal("0.01"))},
            )
        for number, (chapter_name, lessons) in enumerate(SYLLABUS[i], start=1):
            chapter = get(
                CourseChapter,
                course=course,
                number=number,
                defaults={"name": chapter_name, "summary": CHAPTER_SUMMARIES[number - 1]},
            )
            for order, lesson_name in enumerate(lessons, start=1):
                get(
                    CourseLesson,
                    chapter=chapter,
                    course=course,
                    order=order,
                    defaults={
                        "name": f"{number}.{order} {lesson_name}",
                        "section_type": CourseLesson.Section.VIDEO,
                        "duration": 300 * order,
                        "free_trial": number == 1 and order == 1,
                        "show_on_list": order < 3,
                    },
                )
        _demo_lesson_media(course, i)
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

    for i, (title, tag) in enumerate(
        [
            ("新课上线", "Python 开发 21 天入门"),
            ("限时折扣", "全场好课 8 折起"),
            ("就业班招生", "名师带队 项目实战"),
        ]
    ):
        banner = get(
            Banner, title=title, defaults={"link": f"/courses/{courses[i].id}", "sort_order": i}
        )
        if not banner.image:
            svg = cover_svg(tag, title, COLORS[i], banner=True)
            banner.image.save(f"banner-{i + 1}.svg", ContentFile(svg))
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
