"""The student-record domain: one record per child, for years.

- ``gate``: the write gate, the rules every write of a student obeys (controlled fields, read-only records
  not 在读, class caps, identity conflicts), asked by every path that writes a student;
- ``enrolment``: the enrolment states (在校, 休学, 毕业 …);
- ``students``: create, read, update and delete a student record, through the gate;
- ``changes``: 学籍异动 (status changes) and key-field change requests, with leader approval;
- ``school_year``: graduation and the yearly rollover (升级);
- ``bulk_fill``: 批量填写, one value into one field for many students.

Transfers, admissions and 学籍号 belong here too as they arrive.
"""
