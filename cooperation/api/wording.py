"""Messages that Django REST framework's catalogue words differently from Django's.

DRF's translations take precedence over Django's own, so installing it would change what the
web forms say ("这个字段是必填项。" would become "该字段是必填项。"). Listing the messages here puts
them into the project's catalogue (highest precedence) with Django's wording, for the web and
the API alike.
"""

from django.utils.translation import gettext_noop

DJANGO_WORDING = [
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("This field is required."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("Value must be valid JSON."),
]
