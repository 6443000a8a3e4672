from django.urls import path

from casework.community import views

app_name = "community"

urlpatterns = [
    path("community/", views.article_list, name="articles"),
    path("community/feed.atom", views.feed, name="feed"),
    path("community/write/", views.write_article, name="write_article"),
    path("community/mine/", views.my_articles, name="my_articles"),
    path("community/held/", views.held_comments, name="held_comments"),
    path("community/held/<id:comment_id>/", views.moderate_comment, name="moderate_comment"),
    path("community/comments/<id:comment_id>/edit/", views.edit_comment, name="edit_comment"),
    path("community/comments/<id:comment_id>/delete/", views.delete_comment, name="delete_comment"),
    path("community/replies/stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("community/<slug:slug>/", views.article, name="article"),
    path("community/<slug:slug>/cover.jpg", views.cover, name="cover"),
    path("community/<slug:slug>/edit/", views.edit_article, name="edit_article"),
    path("community/<slug:slug>/close/", views.close_article, name="close_article"),
    path("community/<slug:slug>/comment/", views.comment, name="comment"),
    path("community/<slug:slug>/comments/<id:comment_id>/reply/", views.comment, name="reply"),
]
