from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "waymark.returns"
    label = "returns"
    verbose_name = "Provider returns"
