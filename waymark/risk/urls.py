app_name = "risk"
urlpatterns: list = []
