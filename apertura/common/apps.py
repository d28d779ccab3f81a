from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apertura.common"
    label = "common"
