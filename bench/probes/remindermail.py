"""Write the e-mails of a batch of due reminders, as the dispatcher would send them, for the
mail server's ceiling in the dispatch measurement (not timed):
``python -m bench.probes.remindermail KEY_PREFIX OUTFILE`` (DATABASE_URL: the scratch database).

Each pending reminder of the batch is composed and rendered in its recipient's language
(text, HTML, .ics) by the dispatcher's own code, in its batches; OUTFILE gets one JSON line
per message: envelope sender, recipients and the message's bytes (base64). Nothing is sent
and no row changes.
"""

import base64
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main(prefix: str, path: str) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone, translation

    from cooperation.choices import ReminderState
    from cooperation.meetings import delivery
    from cooperation.meetings.messages import BatchLookups, compose, language_of
    from cooperation.models import Reminder

    rows = list(
        Reminder.objects.select_related("recipient__profile", "meeting__mechanism")
        .filter(key__startswith=prefix, state=ReminderState.PENDING)
        .order_by("due_at", "pk")
    )
    size = settings.CHENGYI_DISPATCH_CLAIM
    with open(path, "w") as out:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            lookups, renderings = BatchLookups(batch, now=timezone.now()), delivery.Renderings()
            for reminder in batch:
                with translation.override(language_of(reminder)):
                    message = compose(reminder, batch=lookups)
                    rendered = delivery.render(
                        message, recipient=reminder.recipient, batch=renderings
                    )
                mail = delivery.email_outgoing(reminder=reminder, rendered=rendered)
                line = [mail.envelope_from, mail.envelope_to, base64.b64encode(mail.data).decode()]
                out.write(json.dumps(line) + "\n")
    print(len(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
