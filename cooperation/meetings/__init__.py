"""The consultation calendar: planning meetings, the reminder outbox and its delivery.

planning     keeps the next months of meetings of every mechanism planned
changes      what people do to a meeting: create, confirm, reschedule, cancel, minutes
decisions    a meeting's decision becomes a follow-up cooperation item
reminders    which reminder rows should exist now (the outbox's planner)
outbox       claiming a due row atomically and recording what became of it
dispatch     the loop that claims due rows and delivers them
messages     what a reminder says, in the recipient's language
delivery     e-mail, in-app notification and webhook channels
calendar     iCalendar files and per-user feeds
recipients   who is reminded of what (reads)
selectors    reads for the pages
"""
