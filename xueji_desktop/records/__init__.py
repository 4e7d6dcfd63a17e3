"""The student-record domain: one record per child, for years.

- ``students``: create, read and update a student record (every write goes through the rules here);
- ``changes``: 学籍异动 (status changes) and key-field change requests, with leader approval;
- ``school_year``: graduation and the yearly rollover (升级);
- ``bulk_fill``: 批量填写, one value into one field for many students.

Transfers, admissions and 学籍号 belong here too as they arrive.
"""
