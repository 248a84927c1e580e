from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kpo.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_refreshed

        user_logged_in.connect(mark_session_refreshed, dispatch_uid="kpo.accounts.session_refreshed")
