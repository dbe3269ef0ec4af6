"""Password validation with messages the Chinese catalogues translate."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message its translators know: Django 5.2.19 changed this msgid
    ("%d" for "%(min_length)d") and its Chinese catalogue has no entry for the new one, so
    a Chinese user got the refusal in English."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
