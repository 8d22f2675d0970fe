from django.apps import AppConfig


class ExampleConfig(AppConfig):
    name = "demo.example"
    label = "example"
    verbose_name = "Demo example"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the post_save receiver)
