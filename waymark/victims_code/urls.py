"""Victims' Code compliance pages, under /victims-code/.

One URL module per area, each with its own views module: metrics and dashboards, the victim's
voice (staff pages; the public survey is mounted at /feedback/ by `urls_survey.py`), complaints,
reviews and audits, imports, and the Code itself.
"""

from django.urls import URLPattern, URLResolver

from . import urls_code, urls_governance, urls_imports, urls_metrics, urls_voice

app_name = "victims_code"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_code.urlpatterns,
    *urls_metrics.urlpatterns,
    *urls_voice.urlpatterns,
    *urls_governance.urlpatterns,
    *urls_imports.urlpatterns,
]
