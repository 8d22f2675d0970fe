from django.apps import AppConfig


class ExampleConfig(AppConfig):
    name = "demo.example"
    label = "example"
    verbose_name = "Demo example"
    default_auto_field = "django.db.models.BigAutoField"
