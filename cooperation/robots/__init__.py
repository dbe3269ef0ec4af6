"""WeCom (企业微信) and DingTalk (钉钉) group robots as channels of the reminder outbox.

- ``audience``: which robots get which kind of notice (one line per kind) and the outbox rows
  the planner writes for them;
- ``compose``: the markdown each platform takes, within its size limit;
- ``send``: the HTTP POST (DingTalk's signed URL), an answer's ``errcode`` checked;
- ``throttle``: at most CHENGYI_ROBOT_PER_MINUTE messages a minute per robot, the rest
  waits in the outbox.
"""
