from django.apps import AppConfig


class VictimsCodeConfig(AppConfig):
    name = "waymark.victims_code"
    label = "victims_code"
    verbose_name = "Victims' Code compliance"
