"""The county's (and the city's) own work, on a county-mode store.

``exchange/`` is the package format and its transport; this package is what the county does with it:

- ``workspace``: the county store, its profile, and the guard that an operation runs on a county file;
- ``schools``: the county's school list (学校名单) and the init packages issued to schools;
- ``intake``: checking, decrypting and merging the schools' submission packages;
- ``changes``: change records sent up for the county's approval;
- ``problems``: problem records (问题学籍) across all the county's schools;
- ``review``: the county's review of a school's data and the feedback package back;
- ``numbers``: the 正式学籍号 the county gives the records it accepts;
- ``upward``: the aggregate passed up to the level above.
"""
