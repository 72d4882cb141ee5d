"""Funding pages: posts (included by `urls.py`)."""

from django.urls import URLPattern, path

from . import views_posts as views

urlpatterns: list[URLPattern] = [
    path("posts/", views.post_list, name="posts"),
    path("posts/add/", views.post_add, name="post_add"),
    path("posts/table-1/", views.posts_table, name="posts_table"),
    path("posts/<uuid:public_id>/", views.post_detail, name="post_detail"),
    path("posts/<uuid:public_id>/change/", views.post_edit, name="post_edit"),
    path("posts/<uuid:public_id>/shares/", views.post_share, name="post_share"),
]
