from django.urls import path

from . import views

app_name = "funds"

urlpatterns = [
    path("", views.execution, name="execution"),
    path("budgets/", views.budgets, name="budgets"),
    path("income/", views.income, name="income"),
    path("overrides/", views.overrides, name="overrides"),
    path("statements/", views.statement, name="statement"),
    path("journal/", views.journal, name="journal"),
    path("journal/<int:entry_id>/", views.entry_detail, name="entry"),
]
