"""Password validators whose messages are in the reader's language.

Django 5.2 reworded the minimum-length message (``%d`` instead of ``%(min_length)d``) and its zh_Hans
catalogue has only the old wording, so a short password was refused in English under zh-hans. This
validator says it with the wording the catalogues translate; the other validators are Django's own.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
