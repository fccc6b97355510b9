"""Date and time formats for every page (``FORMAT_MODULE_PATH``): dd/mm/YYYY and HH:MM in both
languages, as the department writes them — Django's own Vietnamese formats spell dates out
("Ngày 25 tháng 11 năm 2026") wherever a page shows a date without a format of its own
(viewflow's lists and task tables, the admin)."""
