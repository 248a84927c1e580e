"""The demo world behind `manage.py seed_demo`: data modules plus the builders that write it.

Data: `catalogue` (service lines, clients, providers), `people` (users, consultancy, candidates),
`portfolio` (engagements and SLAs), `task_templates` with the `themes_*` modules (what the work looks
like), `report_content` (the analyst consultant's conclusions).
Builders: `world` (organisations to engagements), `history` (six months of task events, planned by
`lifecycle` and costed by `effort`), `report_writer` (draft recommendation reports), `seed` (the whole
run). `clock` is the working-time arithmetic they share.
"""
