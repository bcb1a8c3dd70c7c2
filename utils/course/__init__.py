"""The course's tooling, apart from the lesson helpers that students read.

- `utils.course.notebooks`: the notebook format (badges, setup cell, README table, text form)
- `utils.course.release`: the student edition built from the complete one
- the submission checker (docs/checker.md), split the way a submission flows through it:
  `checker` (the command line and the batch), `worker` (one file's check in its own process),
  `checking` (one notebook's check), `reading` (the file, before any code runs), `judging`
  (static checks, the exercises found), `sandbox` (bubblewrap around every process of a
  notebook), `running` (the notebook in a sandboxed kernel), `recheck` with `student_process`
  and `plain` (the exercises re-checked in two processes, plain data between them), `report`
  (terminal, CSV, merge).
- `utils.course.kernel`: the one kernel runner of the checker, the site and the twin
- `utils.course.answer_key`: a team's expected numbers for the graded lab (`python -m utils.lab key`)
- `utils.course.site`: the readers' edition, a static website (`python -m utils.site build`)
- `utils.course.colab_twin`: every notebook run as Colab would, on Colab's exact stack
  (`.ci/colab-twin RUNTIME`)

The commands stay `python -m utils.notebooks …`, `python -m utils.release`, `python -m utils.lab …`.
"""
