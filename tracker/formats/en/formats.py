"""English dates and times as the readers use them: 24-hour Beijing time ("Dec. 4, 2026,
05:27"), like the e-mails; Django's "5:27 a.m." ended a sentence in "a.m..", and a 12-hour
clock is not what an office in China writes."""

DATETIME_FORMAT = "N j, Y, H:i"  # Django's English date ("Dec. 4, 2026"), then the time
TIME_FORMAT = "H:i"
